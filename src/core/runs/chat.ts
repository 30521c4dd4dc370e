import { randomUUID } from 'node:crypto';
import type { Agent } from '../agents/agent.js';
import type { Agents } from '../agents/agents.js';
import { actingUserId, canRead, type Principal, requireAuthenticated } from '../auth/principal.js';
import type { Conversation, Message } from '../conversations/conversation.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import type { Conversations } from '../conversations/conversations.js';
import { badInput, DomainError, notFound, type ReportError } from '../errors.js';
import type { Hooks } from '../hooks/hooks.js';
import { type ChatMessage, type FinishReason, ModelError, type TokenUsage } from '../models/chat-model.js';
import type { ModelCache } from '../models/model-cache.js';
import type { ModelRegistry, ResolvedModel } from '../models/model-registry.js';
import type { Tool, ToolRegistry } from '../tools/tool-registry.js';
import type { RunAdmission } from '../limits/run-admission.js';
import { parseInput } from '../validation.js';
import { type ChatInput, chatInputSchema } from './chat-input.js';
import type { AnswerCheckpoints } from './answer-checkpoints.js';
import { EventQueue } from './event-queue.js';
import { Run } from './run.js';
import type { RunEvent, RunFailureCode, SelectionStrategy } from './run-event.js';
import type { RunRegistry } from './run-registry.js';

export interface ChatSettings {
  systemMessage: string;
  bufferSize: number;
  maxMessageChars: number;
  maxToolIterations: number;
  runOrphanGraceMs: number;
  metadataMaxBytes: number;
}

export interface ChatDependencies {
  agents: Agents;
  conversations: Conversations;
  store: ConversationStore;
  models: ModelRegistry;
  cache: ModelCache | undefined;
  tools: ToolRegistry;
  hooks: Hooks;
  runs: RunRegistry;
  admission: RunAdmission;
  settings: ChatSettings;
  /** Reports faults nobody else will see (e.g. a failed write after the answer streamed). */
  reportError: ReportError;
  checkpoints: AnswerCheckpoints;
}

interface Prepared {
  run: Run;
  /** The answer's row, stored empty (STREAMING) with the user message and filled in as the run goes. */
  answerId: string;
  /** The conversation so far when it is already known (a new one), saving a read. */
  history: ChatMessage[] | undefined;
  agent: Agent;
  strategy: SelectionStrategy;
  conversation: Conversation;
  userId: string | null;
}

/**
 * The one run pipeline every surface uses: check the input, pick the agent, store the user
 * message, then stream the model in the background while subscribers read the run's events.
 */
export class ChatService {
  private draining = false;
  private readonly inputSchema: ReturnType<typeof chatInputSchema>;

  constructor(private readonly deps: ChatDependencies) {
    this.inputSchema = chatInputSchema(deps.settings.metadataMaxBytes);
  }

  /** Validates and starts a run. Input problems throw here, before any run exists. */
  async start(principal: Principal, input: ChatInput): Promise<Run> {
    if (this.draining) throw new DomainError('UPSTREAM_UNAVAILABLE', 'The gateway is shutting down: retry on another replica or in a moment', { retryable: true });
    // Limits first, so a refused chat costs no database work; the run slot is held until the run ends.
    const release = await this.deps.admission.admit(principal, input.userId);
    const prepared = await this.prepare(principal, input).catch((error: unknown) => {
      release();
      throw error;
    });
    prepared.run.onFinished(release);
    this.deps.runs.add(prepared.run);
    void this.execute(prepared);
    return prepared.run;
  }

  /** New runs are refused from now on (shutdown); runs in flight go on. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** A run in memory the principal may see: its conversation owner's (acting for `userId`), or any for admins. */
  getRun(principal: Principal, runId: string, options: { userId?: string | null } = {}): Run {
    const run = this.deps.runs.get(runId);
    if (!run || !canRead(principal, run.owner.userId, options.userId)) throw notFound('Run', runId);
    return run;
  }

  /**
   * A run's events after `after`, then live. A run no longer in memory (it ended before a restart,
   * or its retention passed) answers from its stored answer: the terminal event alone.
   */
  async events(principal: Principal, runId: string, after: number, options: { userId?: string | null } = {}): Promise<EventQueue> {
    requireAuthenticated(principal);
    const run = this.deps.runs.get(runId);
    if (run) return this.getRun(principal, runId, options).subscribe(after);
    const terminal = await this.storedTerminal(principal, runId, options);
    const queue = new EventQueue();
    if (terminal.seq > after) queue.push(terminal);
    queue.end();
    return queue;
  }

  /** True when the run was cancelled now; false when it had already ended. */
  async cancel(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<boolean> {
    requireAuthenticated(principal);
    if (this.deps.runs.get(runId)) return this.getRun(principal, runId, options).cancel();
    await this.storedTerminal(principal, runId, options);
    return false;
  }

  /** Every event of the conversation's runs as they happen; the conversation must be the caller's. */
  async watchConversation(principal: Principal, conversationId: string, options: { userId?: string | null } = {}) {
    await this.deps.conversations.get(principal, conversationId, options);
    return this.deps.runs.watchConversation(conversationId);
  }

  private async storedTerminal(principal: Principal, runId: string, options: { userId?: string | null }): Promise<RunEvent> {
    const stored = await this.deps.store.findAnswerByRun(runId);
    if (!stored || stored.answer.status === 'STREAMING' || !canRead(principal, stored.ownerId, options.userId)) throw notFound('Run', runId);
    return terminalFromStored(runId, stored.answer);
  }

  private async prepare(principal: Principal, rawInput: ChatInput): Promise<Prepared> {
    requireAuthenticated(principal);
    const input = parseInput(this.inputSchema, rawInput);
    const { settings, hooks, agents, store } = this.deps;
    if (input.message.length > settings.maxMessageChars) {
      throw badInput(`message is ${input.message.length} characters; the limit is ${settings.maxMessageChars} (MAX_MESSAGE_CHARS)`);
    }
    const userId = actingUserId(principal, input.userId) ?? null;
    let conversation = input.conversationId
      ? await this.deps.conversations.get(principal, input.conversationId, { userId: input.userId })
      : undefined;
    const explicit = input.agentId ? await agents.get(principal, input.agentId, { userId: input.userId }) : undefined;

    const message = await hooks.beforeProcessMessage({
      message: input.message,
      agentId: explicit?.id ?? null,
      userId,
      conversationId: conversation?.id ?? null,
      metadata: input.metadata ?? null,
    });
    const { agent, strategy } = explicit ? { agent: explicit, strategy: 'EXPLICIT' as const } : await this.defaultAgent(principal, input.userId);

    const runId = randomUUID();
    const turn = { user: { content: message, runId, metadata: input.metadata }, answer: { agentId: agent.id, runId } };
    // The user message and the empty answer are stored before the model is called, so a crash
    // mid-answer loses neither; a new conversation and its first turn are one statement.
    const isNew = conversation === undefined;
    let answerId: string;
    if (conversation) answerId = (await store.addTurn(conversation.id, turn)).answer.id;
    else ({ conversation, answer: { id: answerId } } = await store.startConversation(userId, titleFrom(message), turn));
    // The run belongs to its conversation's owner, whoever started it (an admin acting in alice's conversation).
    const owner = { userId: conversation.userId };
    const run = new Run({ id: runId, conversationId: conversation.id, agentId: agent.id, owner, orphanGraceMs: settings.runOrphanGraceMs });
    return { run, answerId, agent, strategy, conversation, userId, history: isNew ? [{ role: 'user', content: message }] : undefined };
  }

  private async defaultAgent(principal: Principal, userId: string | null | undefined) {
    const agent = await this.deps.agents.getDefault(principal);
    if (agent) return { agent, strategy: 'DEFAULT' as const };
    const visible = await this.deps.agents.list(principal, { userId });
    if (visible.length === 0) {
      throw new DomainError('NOT_FOUND', 'No agents exist yet: an admin creates one with the createAgent mutation');
    }
    // Only per-user agents exist: the caller's first one answers.
    return { agent: visible[0]!, strategy: 'DEFAULT' as const };
  }

  private async execute({ run, answerId, agent, strategy, conversation, userId, history }: Prepared): Promise<void> {
    const { store, hooks, settings } = this.deps;
    const checkpoint = this.deps.checkpoints.track(answerId);
    let text = '';
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    let sawUsage = false;
    let finishReason: FinishReason = 'stop';
    try {
      run.emit({ type: 'RunStarted', conversationId: conversation.id, agentId: agent.id });
      run.emit({
        type: 'AgentSelected',
        agentId: agent.id,
        strategy,
        reason: strategy === 'EXPLICIT' ? 'The caller named this agent' : 'The default agent answers when no agent is named',
      });
      const resolved = this.deps.models.resolve(agent.model);
      const tools = this.deps.tools.forAgent(agent.tools);
      const messages = await this.context(agent, conversation.id, history);
      let tokenIndex = 0;

      for (let iteration = 1; ; iteration++) {
        const step = await this.streamStep(run, resolved, agent, messages, tools, (delta) => {
          text += delta;
          const event = run.emit({ type: 'TokenDelta', text: delta, index: tokenIndex++ });
          checkpoint.update(text, event.seq);
        });
        if (step.usage) {
          sawUsage = true;
          usage.promptTokens += step.usage.promptTokens;
          usage.completionTokens += step.usage.completionTokens;
          usage.totalTokens += step.usage.totalTokens;
        }
        finishReason = step.finishReason;
        if (step.toolCalls.length === 0) break;
        if (iteration >= settings.maxToolIterations) {
          throw new ModelError('UPSTREAM_UNAVAILABLE', `The agent was still calling tools after ${settings.maxToolIterations} rounds (MAX_TOOL_ITERATIONS)`, false);
        }
        messages.push({ role: 'assistant', content: step.text || null, toolCalls: step.toolCalls });
        for (const call of step.toolCalls) {
          const prepared = this.deps.tools.prepare(tools, call.name, call.arguments);
          run.emit({ type: 'ToolCallStarted', callId: call.id, serverId: prepared.serverId, tool: call.name, arguments: prepared.arguments });
          const started = performance.now();
          const outcome = await prepared.run(run.signal);
          run.emit({ type: 'ToolCallCompleted', callId: call.id, result: outcome.result, isError: outcome.isError, durationMs: Math.round(performance.now() - started) });
          messages.push({ role: 'tool', toolCallId: call.id, content: typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result) });
        }
      }

      const content = await hooks.afterProcessMessage({ response: text, agentId: agent.id, userId, conversationId: conversation.id });
      await checkpoint.close();
      const stored = await store.finishAnswer(answerId, conversation.id, {
        content,
        status: 'COMPLETE',
        finishReason,
        usage: sawUsage ? usage : null,
        lastSeq: run.lastSeq,
      });
      run.answer = stored;
      run.emit({ type: 'MessageCompleted', messageId: stored.id, content, finishReason, usage: sawUsage ? usage : null });
    } catch (error) {
      await checkpoint.close();
      await this.fail(run, answerId, text, sawUsage ? usage : null, error);
    }
  }

  /** One model call: streams text out as it comes, gathers tool calls, reports how it ended. */
  private async streamStep(
    run: Run,
    resolved: ResolvedModel,
    agent: Agent,
    messages: ChatMessage[],
    tools: Tool[],
    onText: (delta: string) => void,
  ) {
    const request = {
      model: resolved.name,
      messages,
      tools: tools.length ? tools : undefined,
      temperature: agent.temperature,
      maxTokens: agent.maxTokens,
      signal: run.signal,
    };
    const source = this.deps.cache ? this.deps.cache.stream(resolved, request) : resolved.model.stream(request);
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let text = '';
    let finishReason: FinishReason | undefined;
    let usage: TokenUsage | undefined;
    for await (const chunk of source) {
      if (run.signal.aborted) break;
      if (chunk.type === 'text') {
        text += chunk.text;
        onText(chunk.text);
      } else if (chunk.type === 'tool_call') {
        const call = calls.get(chunk.index) ?? { id: '', name: '', arguments: '' };
        if (chunk.id) call.id = chunk.id;
        if (chunk.name) call.name += chunk.name;
        if (chunk.argumentsDelta) call.arguments += chunk.argumentsDelta;
        calls.set(chunk.index, call);
      } else if (chunk.type === 'finish') {
        finishReason = chunk.reason;
      } else {
        usage = chunk.usage;
      }
    }
    if (run.signal.aborted) throw run.signal.reason;
    if (!finishReason) throw new ModelError('UPSTREAM_UNAVAILABLE', 'The model stream ended without finishing its answer', true);
    const toolCalls = [...calls.values()].map((call, i) => ({ ...call, id: call.id || `call_${run.id.slice(0, 8)}_${i}` }));
    return { text, toolCalls: finishReason === 'tool_calls' ? toolCalls : [], finishReason, usage };
  }

  /** The system message, then the latest messages of the conversation (the new one included). */
  private async context(agent: Agent, conversationId: string, known?: ChatMessage[]): Promise<ChatMessage[]> {
    const { settings, store } = this.deps;
    const history =
      known ??
      (await store.messages(conversationId, { last: Math.max(1, settings.bufferSize), settledOnly: true }))
        .filter(usableInContext)
        .map((message): ChatMessage => ({ role: message.role, content: message.content }));
    return [{ role: 'system', content: agent.systemMessage ?? settings.systemMessage }, ...history];
  }

  /** Records what arrived, then ends the run with exactly one RunFailed. */
  private async fail(run: Run, answerId: string, partial: string, usage: TokenUsage | null, error: unknown): Promise<void> {
    const cancelled = run.signal.aborted;
    const { code, message, retryable } = cancelled ? cancellation(run.signal.reason) : describeFailure(error);
    if (!cancelled && code === 'INTERNAL') this.deps.reportError(error, `run ${run.id}`);
    // The client sees a generic message; what the provider said goes to the operator.
    if (!cancelled && error instanceof ModelError) this.deps.reportError(error, `run ${run.id}: ${message}`, 'warn');
    let partialMessageId: string | null = null;
    try {
      const stored = await this.deps.store.finishAnswer(answerId, run.conversationId, {
        content: partial,
        status: cancelled ? 'CANCELLED' : 'FAILED',
        errorCode: code,
        usage,
        lastSeq: run.lastSeq,
      });
      partialMessageId = stored.id;
      run.answer = stored;
    } catch (storeError) {
      this.deps.reportError(storeError, `storing the partial answer of run ${run.id}`);
    }
    if (!run.finished) run.emit({ type: 'RunFailed', code, message, retryable, partialMessageId });
  }
}

/** A run cancelled by shutdown may be retried elsewhere; one cancelled by its client may not. */
function cancellation(reason: unknown): { code: RunFailureCode; message: string; retryable: boolean } {
  if (reason instanceof DomainError && reason.code === 'UPSTREAM_UNAVAILABLE') return { code: 'CANCELLED', message: reason.message, retryable: true };
  return { code: 'CANCELLED', message: 'The run was cancelled', retryable: false };
}

/** The one event a stored answer replays as, numbered after the last event its text includes. */
function terminalFromStored(runId: string, answer: Message): RunEvent {
  const seq = (answer.lastSeq ?? 0) + 1;
  if (answer.status === 'COMPLETE') {
    return { type: 'MessageCompleted', runId, seq, messageId: answer.id, content: answer.content, finishReason: answer.finishReason ?? 'stop', usage: answer.usage };
  }
  const code = (answer.errorCode ?? 'INTERNAL') as RunFailureCode;
  const message =
    code === 'INTERRUPTED'
      ? 'The gateway stopped before the answer was complete; the text that had arrived is stored'
      : answer.status === 'CANCELLED'
        ? 'The run was cancelled'
        : 'The run failed';
  return { type: 'RunFailed', runId, seq, code, message, retryable: code !== 'CANCELLED' && code !== 'BAD_USER_INPUT', partialMessageId: answer.id };
}

function describeFailure(error: unknown): { code: RunFailureCode; message: string; retryable: boolean } {
  if (error instanceof ModelError) return { code: error.code, message: error.message, retryable: error.retryable };
  if (error instanceof DomainError && error.code !== 'INTERNAL') {
    return { code: error.code === 'RATE_LIMITED' ? 'RATE_LIMITED' : error.code === 'UPSTREAM_UNAVAILABLE' ? 'UPSTREAM_UNAVAILABLE' : 'BAD_USER_INPUT', message: error.message, retryable: false };
  }
  return { code: 'INTERNAL', message: 'The run failed unexpectedly', retryable: true };
}

/** Empty answers (failed before any text) would only confuse the model; partial ones are what the user saw. */
const usableInContext = (message: Message) => message.role === 'user' || message.content.length > 0;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first line, at most 80 characters as a reader counts them: an emoji or accented letter is never split. */
export function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  if (line.length <= 80) return line;
  let title = '';
  let count = 0;
  for (const { segment } of graphemes.segment(line)) {
    if (++count > 79) return `${title}…`;
    title += segment;
  }
  return line;
}
