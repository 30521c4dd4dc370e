import type { TokenUsage } from '../models/chat-model.js';
import type { Run } from '../runs/run.js';
import type { RunEvent } from '../runs/run-event.js';

export interface DelegateCall { question: string; context?: string | undefined; parent: Run; childRunId: string; userId: string | null; signal: AbortSignal; depth: number;
  /** Child events as they happen (their runId is the child's), forwarded to the parent's readers. */
  emit(event: RunEvent): void; }
export interface DelegateResult { text: string; usage: TokenUsage | null; json?: unknown }
export interface DelegateTarget { id: string; description: string | null; kind: 'local' | 'remote'; ask(call: DelegateCall): Promise<DelegateResult>; }
export interface DelegateDirectory { find(id: string, viewer: { userId: string | null; admin: boolean }): Promise<DelegateTarget | undefined>; }
