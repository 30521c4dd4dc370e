import type { ChatMessage } from '../models/chat-model.js';

/** Who decided on a call (submitted a client tool's result, approved or refused): all null for the gateway itself (a timeout). */
export interface Decider {
  userId: string | null;
  credentialId: string | null;
  admin: boolean;
}

/** One tool call of an answer: what the model asked for and the text it was given back. */
export interface ToolCallRecord {
  callId: string;
  /** The MCP server that provided the tool; null for in-process (and unknown) tools. */
  serverId: string | null;
  /** The function name the model used. */
  tool: string;
  /** The JSON text the model sent, as it sent it. */
  arguments: string;
  /** The text the model was given. */
  result: string;
  isError: boolean;
  durationMs: number;
  /** `client`: a client tool, run by the client and its result submitted; omitted for the gateway's own tools. */
  executedBy?: 'client' | undefined;
  /** Who submitted a client tool's result, and when. */
  submitted?: { by: Decider; at: string } | undefined;
  /** A call that needed approval: who decided, when, and why. */
  approval?: { approved: boolean; reason: string | null; by: Decider; at: string } | undefined;
}

/** A model step that called tools: the text that came with the calls (may be empty) and every call, each answered. */
export interface ToolRound {
  text: string;
  calls: ToolCallRecord[];
}

/** The messages the model saw for a round: the assistant's calls, then each result in call order. */
export function roundMessages(round: ToolRound): ChatMessage[] {
  return [
    { role: 'assistant', content: round.text || null, toolCalls: round.calls.map((call) => ({ id: call.callId, name: call.tool, arguments: call.arguments })) },
    ...round.calls.map((call): ChatMessage => ({ role: 'tool', toolCallId: call.callId, content: call.result })),
  ];
}

/**
 * The answer's text after its rounds: the stored content is every step's text joined, so the
 * rounds' texts are its start. A hook that rewrote the answer leaves no such start: all of it then.
 */
export function finalText(content: string, rounds: readonly ToolRound[]): string {
  const before = rounds.map((round) => round.text).join('');
  return before && content.startsWith(before) ? content.slice(before.length) : content;
}

/** What a tool returned as the text the model reads: strings as they are, anything else as JSON. */
export function resultText(result: unknown): string {
  if (typeof result === 'string') return result;
  return JSON.stringify(result) ?? '';
}

/** A call's arguments as a value, or the raw text when it is not JSON (as ToolCallStarted shows them). */
export function parsedArguments(raw: string): unknown {
  try {
    return raw.trim() ? JSON.parse(raw) : {};
  } catch {
    return raw;
  }
}
