import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import type { Agent } from '../agents/agent.js';
import type { Agents } from '../agents/agents.js';
import { actingUserId, credentialOf, type Principal, requireAuthenticated } from '../auth/principal.js';
import { mayReadOwned, viewerOf } from '../auth/visibility.js';
import type { Conversation, Message } from '../conversations/conversation.js';
import type { AnswerEnd, ConversationStore, NewTurn, StoredTurn } from '../conversations/conversation-store.js';
import type { MessageImages } from '../images/message-images.js';
import type { ImagePart } from '../images/image-part.js';
import type { Conversations } from '../conversations/conversations.js';
import { badInput, DomainError, notFound, type ReportError } from '../errors.js';
import type { Hooks } from '../hooks/hooks.js';
import { callerHistoryPieces } from '../memory/caller-history.js';
import type { BuiltContext, ContextBuilder, CurrentTurn } from '../memory/context-builder.js';
import type { FactExtractor } from '../memory/fact-extractor.js';
import type { MemoryIndexer } from '../memory/memory-indexer.js';
import type { PromptWindow } from '../memory/prompt-window.js';
import type { AgentRouter } from '../routing/agent-router.js';
import type { RoutingDecision } from '../routing/routing-decision.js';
import { type ChatMessage, ModelError, type Sampling, type TokenUsage, type ToolDefinition } from '../models/chat-model.js';
import { type CompiledResponseFormat, ResponseFormats } from '../models/response-format.js';
import type { Metrics, RunMeter, RunOutcome } from '../metrics/metrics.js';
import type { RunAdmission } from '../limits/run-admission.js';
import { parseInput } from '../validation.js';
import { titleFrom } from '../conversations/title.js';
import { type ChatInput, chatInputSchema, checkMessageLengths } from './chat-input.js';
import type { AnswerCheckpoint, AnswerCheckpoints } from './answer-checkpoints.js';
import { type ChatAnswer, answerOf, awaitAnswer } from './await-answer.js';
import { checkClientTools, type ToolChoice } from './client-tools.js';
import { type Decision, type PausedStep, type PendingToolCall, pendingToolCalls } from './paused-step.js';
import type { DecisionOutcome, RunPauses } from './run-pauses.js';
import type { ClientConnection } from './client-connection.js';
import { EventQueue } from './event-queue.js';
import type { ClientSide, ModelLoop, ModelLoopOutcome, PausedCalls } from './model-loop.js';
import { Run, type RunStatus } from './run.js';
import type { RunEvent, RunFailureCode } from './run-event.js';
import type { RunRegistry } from './run-registry.js';
import type { SharedRunLog } from './redis-run-log.js';
import { streamToClient } from './stream-to-client.js';
import { InvalidOutputError, StructuredAnswer } from './structured-answer.js';
import type { DelegatedStart } from '../teams/local-delegates.js';
import type { TeamTools, Teams } from '../teams/teams.js';
import type { RunInfo } from '../conversations/conversation-store.js';
import { accountOfRun, type UsageAccount } from '../usage/usage-entry.js';
import { endRunSpan, followerLink, startResumedSpan, startRunSpan, traceRun, traceRunEnd } from '../tracing/run-spans.js';
import { ATTR, childRecorded, endWith, inSpan, SPAN, type Tracing } from '../tracing/tracing.js';

export interface ChatSettings {
  maxMessageChars: number;
  runOrphanGraceMs: number;
  metadataMaxBytes: number;
  /** How long a run waits for its client (a client tool's result, an approval) before the model is told it timed out. */
  clientToolTimeoutMs: number;
  /** The longest client tool result accepted. */
  maxToolResultChars: number;
}

export interface ChatDependencies {
  agents: Agents;
  conversations: Conversations;
  store: ConversationStore;
  hooks: Hooks;
  runs: RunRegistry;
  admission: RunAdmission;
  /** Hard token and dollar budgets of the credential and the user: checked before a run is admitted. */
  budgets?: { admit(keyId: string | null, userId: string | null | undefined): Promise<void> | undefined } | undefined;
  settings: ChatSettings;
  /** Reports faults nobody else will see (e.g. a failed write after the answer streamed). */
  reportError: ReportError;
  checkpoints: AnswerCheckpoints;
  /** The "select agent" stage, for messages that name no agent. */
  router: Pick<AgentRouter, 'selectAgent'>;
  /** Remote agents (A2A): a chat routed to one, or naming one, is answered by its local stand-in. */
  remoteAgents?: { standIn(id: string): Agent | undefined } | undefined;
  /** The "build context" stage: buffer, long-term memories and user context under one token budget. */
  context: ContextBuilder;
  /** Indexes a settled turn for memory search, after the answer. */
  indexer: MemoryIndexer;
  /** Learns durable facts about the user after an answer (AUTO_EXTRACT_USER_INFO), in the background. */
  extractor?: FactExtractor | undefined;
  /** The model step and tool rounds. */
  modelLoop: ModelLoop;
  metrics: Metrics;
  /** With REDIS_URL: runs shared with the other replicas (events, owner, lease, cancels); unset, runs are this process's alone. */
  shared?: SharedRunLog | undefined;
  /** Runs waiting for their client: their decisions, timers and revival. */
  pauses: RunPauses;
  /** Compiles response formats (structured answers); shared with Agents, so each schema compiles once. */
  responseFormats?: ResponseFormats | undefined;
  /** Checks and reads back messages' images; the settings bound them (IMAGE_MAX_BYTES, MAX_IMAGES_PER_MESSAGE). */
  images: MessageImages;
  /** Agent teams: an agent's delegates and handoffs as tools (core/teams); unset, agents answer alone. */
  teams?: Teams | undefined;
  /** Set when traces are exported: a run is an `invoke_agent` span, its stages its children. */
  tracing?: Tracing | undefined;
}

/** The message being answered, and its images as stored (a paused run keeps those references). */
type AnswerTurn = CurrentTurn & { imageParts?: ImagePart[] | undefined };

interface Prepared {
  run: Run;
  /** The answer's row, stored empty (STREAMING) with the user message and filled in as the run goes. */
  answerId: string;
  /** Settles when the user message and the empty answer are durable (or could not be stored). */
  stored: Promise<StoredTurn>;
  /** The message being answered, for the context. */
  turn: AnswerTurn;
  agent: Agent;
  routing: RoutingDecision;
  conversation: Conversation;
  userId: string | null;
  /** The caller's sampling settings for this answer (over the agent's). */
  sampling: Sampling | undefined;
  client: ClientOptions;
  /** The answer's response format (the chat's, else its agent's); unset for a text answer. */
  responseFormat: CompiledResponseFormat | undefined;
}

/** What the client brings to the answer: its tools, and how the model may call tools. */
interface ClientOptions {
  clientTools: ToolDefinition[];
  toolChoice?: ToolChoice | undefined;
  parallelToolCalls?: boolean | undefined;
}

/** One stretch of an answer's model work: from its start, or from a resumed pause, to its end or next pause. */
interface AnswerJob {
  run: Run;
  answerId: string;
  /** Settles when the user message and the answer row are durable. */
  stored: Promise<unknown>;
  /** The user message's id, once stored (for indexing the settled turn). */
  userMessageId: Promise<string>;
  agent: Agent;
  /** The user the chat acts for (hooks see it). */
  actingUserId: string | null;
  turn: AnswerTurn;
  sampling: Sampling | undefined;
  client: ClientOptions;
  /** The answer's text so far, the next TokenDelta's index, and the last one's seq. */
  text: string;
  tokenIndex: number;
  textSeq?: number | undefined;
  outcome: ModelLoopOutcome;
  questionVector?: number[] | undefined;
  meter?: RunMeter | undefined;
  /** A resumed answer: the paused step, every call decided. */
  resumeFrom?: PausedStep | undefined;
  /** The answer's response format (the chat's, else its agent's); unset for a text answer. */
  responseFormat?: CompiledResponseFormat | undefined;
  /** A resumed run's context, read beside its decision's write. */
  context?: Promise<BuiltContext> | undefined;
}

/** What a paused run needs to go on (ChatService.pausedContext). */
export interface PausedContext {
  agent: Agent | undefined;
  turn: AnswerJob['turn'];
  context?: Promise<BuiltContext> | undefined;
}

/**
 * The one run pipeline every surface uses: check the input, pick the agent, store the user
 * message, then stream the model in the background while subscribers read the run's events.
 */
export class ChatService {
  private draining = false;
  /** Users being erased (forgetUser): their chats are refused until it ends. */
  private readonly pausedUsers = new Map<string, number>();
  /** Chats being started, by acting user: an erasure waits for them to be registered runs. */
  private readonly starting = new Set<{ userId: string | null; done: Promise<unknown> }>();
  private readonly inputSchema: ReturnType<typeof chatInputSchema>;
  private readonly formats: ResponseFormats;

  constructor(private readonly deps: ChatDependencies) {
    this.inputSchema = chatInputSchema(deps.settings.metadataMaxBytes, deps.images.settings.maxPerMessage);
    this.formats = deps.responseFormats ?? new ResponseFormats();
    deps.pauses.bind(this);
  }

  /**
   * A client tool's results for a paused run (submitToolResults, POST /runs/{id}/tool_results,
   * a /v1 request's tool messages): stored, and once no call of the step waits, the run goes on.
   */
  async submitToolResults(principal: Principal, runId: string, results: ReadonlyArray<{ callId: string; output?: unknown; error?: string | null }>, options: { userId?: string | null } = {}): Promise<DecisionOutcome> {
    return this.deps.pauses.decide(principal, runId, results.map((result) => ({ kind: 'CLIENT_TOOL', ...result })), options);
  }

  /** The principal's run waiting for a result to this call (a /v1 request's tool messages continue it). */
  async findWaitingRun(principal: Principal, callId: string, options: { conversationId?: string | undefined; userId?: string | null } = {}) {
    return this.deps.pauses.findWaiting(principal, callId, options);
  }

  /** Results and approvals for one paused run in one batch (an AG-UI run answering tools and interrupts): all stored, or none. */
  async decide(principal: Principal, runId: string, decisions: readonly Decision[], options: { userId?: string | null } = {}): Promise<DecisionOutcome> {
    return this.deps.pauses.decide(principal, runId, decisions, options);
  }

  /** The run of the conversation that waits for its client, with the calls it still waits for; undefined when none waits. */
  async waitingRunOf(principal: Principal, conversationId: string, options: { userId?: string | null } = {}): Promise<{ runId: string; pending: PendingToolCall[] } | undefined> {
    await this.deps.conversations.get(principal, conversationId, options);
    // A new turn ends a waiting run, so only the conversation's latest answer can be waiting.
    const [last] = await this.deps.store.messages(conversationId, { last: 1 });
    if (!last || last.status !== 'WAITING' || !last.runId) return undefined;
    return { runId: last.runId, pending: pendingToolCalls(last) };
  }

  /** A person's decision on a call that needs approval: it runs, or the model is told it was refused. */
  async approveToolCall(principal: Principal, runId: string, callId: string, approved: boolean, reason: string | null | undefined, options: { userId?: string | null } = {}): Promise<DecisionOutcome> {
    return this.deps.pauses.decide(principal, runId, [{ kind: 'APPROVAL', callId, approved, reason: reason ?? null }], options);
  }

  /**
   * After a decision: waits until the run pauses again or ends, and answers with the stored answer
   * (WAITING with what it waits for, or final); a step still partly undecided answers at once.
   */
  async untilStop(principal: Principal, decided: DecisionOutcome, connection: ClientConnection, options: { userId?: string | null } = {}): Promise<ChatAnswer> {
    let json: unknown = null;
    if (decided.resumed) {
      const events = await this.follow(principal, decided.runId, decided.step.pausedSeq, connection, options);
      try {
        for (;;) {
          const { value, done } = await events.next();
          if (done || value.type === 'RunPaused') break;
          if (value.type === 'RunFailed' && value.code !== 'CANCELLED') {
            throw new DomainError(value.code === 'INTERRUPTED' ? 'UPSTREAM_UNAVAILABLE' : value.code, value.message, { runId: decided.runId, retryable: value.retryable, partialMessageId: value.partialMessageId });
          }
          if (value.type === 'MessageCompleted') json = value.json ?? null;
          if (value.type === 'MessageCompleted' || value.type === 'RunFailed') break;
        }
      } finally {
        await events.return?.();
      }
    }
    return this.runAnswer(principal, decided.runId, options, json);
  }

  /** A run's stored answer as a chat's result: its status, and the calls it waits for. */
  async runAnswer(principal: Principal, runId: string, options: { userId?: string | null } = {}, json: unknown = null): Promise<ChatAnswer> {
    requireAuthenticated(principal);
    const found = await this.deps.store.findAnswerByRun(runId);
    if (!found || !mayReadOwned(viewerOf(principal, options.userId), found.ownerId)) throw notFound('Run', runId);
    return answerOf({ id: runId, conversationId: found.answer.conversationId, agentId: found.answer.agentId ?? '' }, found.answer, json);
  }

  /** Sends a message and waits for the whole answer: the chat mutation, /v1 without streaming, and later REST. */
  async ask(principal: Principal, input: ChatInput, connection: ClientConnection): Promise<ChatAnswer> {
    const run = await this.start(principal, input, connection.requestId);
    return awaitAnswer(run, connection, () => this.runAnswer(principal, run.id, { userId: input.userId }));
  }

  /** Sends a message and streams the run's events: chatStream, /v1 streaming, and later REST SSE. */
  async stream(principal: Principal, input: ChatInput, connection: ClientConnection): Promise<AsyncIterableIterator<RunEvent>> {
    const run = await this.start(principal, input, connection.requestId);
    return streamToClient(forClient(run.subscribe(0), run.id, connection), connection);
  }

  /** A run's events after `after`, then live, for one client (runEvents, GET /runs/{id}/events). */
  async follow(principal: Principal, runId: string, after: number, connection: ClientConnection, options: { userId?: string | null } = {}) {
    return streamToClient(forClient(await this.events(principal, runId, after, options), runId, connection), connection);
  }

  /** A run as stored, with where it sits in a delegation (its parent); NOT_FOUND unless the principal may read it. */
  async runInfo(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<RunInfo> {
    requireAuthenticated(principal);
    const [found] = await this.deps.store.runInfos({ runIds: [runId] });
    if (!found || !mayReadOwned(viewerOf(principal, options.userId), found.ownerId)) throw notFound('Run', runId);
    return found;
  }

  /** A run's children as stored answers (Run.children). */
  async childAnswers(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<ChatAnswer[]> {
    const children = await this.childRuns(principal, runId, options);
    return Promise.all(children.map((child) => this.runAnswer(principal, child.id, options)));
  }

  /** The runs a run delegated to (its children), in the order they started; the run must be the principal's. */
  async childRuns(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<RunInfo[]> {
    await this.runInfo(principal, runId, options);
    return this.deps.store.runInfos({ parentRunId: runId });
  }

  /** The routing decision for a message, as a chat naming no agent would get it. */
  async route(principal: Principal, message: string, options: { conversationId?: string | null; userId?: string | null } = {}): Promise<RoutingDecision> {
    requireAuthenticated(principal);
    const text = parseInput(this.inputSchema, { message, userId: options.userId }).message;
    // The conversation must be the caller's: its last agent is part of the decision.
    if (options.conversationId) await this.deps.conversations.get(principal, options.conversationId, { userId: options.userId });
    return this.deps.router.selectAgent(principal, text, { conversationId: options.conversationId, userId: options.userId });
  }

  /**
   * Validates and starts a run. Input problems throw here, before any run exists. The user message
   * is written while the model request starts: the run is handed out (and its first token can
   * reach anyone) only once the write is durable; a failed write aborts the model call and throws.
   */
  start(principal: Principal, input: ChatInput, requestId?: string): Promise<Run> {
    const { tracing } = this.deps;
    if (!tracing) return this.startRun(principal, input, requestId, undefined);
    const { span, within } = startRunSpan(tracing);
    return within(() => this.startRun(principal, input, requestId, span)).catch((error: unknown) => {
      endRunSpan(span, error);
      throw error;
    });
  }

  private async startRun(principal: Principal, input: ChatInput, requestId: string | undefined, span: Span | undefined): Promise<Run> {
    const receivedAt = performance.now();
    if (this.draining) throw new DomainError('UPSTREAM_UNAVAILABLE', 'The gateway is shutting down: retry on another replica or in a moment', { retryable: true });
    // Limits first, so a refused chat costs no database work; the run slot is held until the run ends.
    // Budgets before the slot: a refused chat holds none (their counters answer from memory or Redis).
    const admitting = this.deps.budgets?.admit(credentialOf(principal), actingUserId(principal, input.userId));
    if (admitting) await admitting;
    const release = await this.deps.admission.admit(principal, input.userId);
    const preparing = this.prepare(principal, input, requestId);
    this.trackStarting(actorOf(principal, input.userId), preparing);
    const prepared = await preparing.catch((error: unknown) => {
      release();
      throw error;
    });
    return this.launch(prepared, release, receivedAt, span);
  }

  /**
   * A delegated (child) run: the delegate answers the question in a conversation of its own,
   * linked to the parent's conversation and run, for the parent's user, through the same pipeline
   * (stored, replayable, cancellable, shared with the other replicas). No routing and no client;
   * no admission either: the parent's slot covers its children (a limit of one run would deadlock).
   */
  startDelegated(request: DelegatedStart): Promise<Run> {
    const { tracing } = this.deps;
    if (!tracing) return this.startDelegatedRun(request, undefined);
    // The delegation's tool call is the active span: the child run is its child.
    const { span, within } = startRunSpan(tracing);
    return within(() => this.startDelegatedRun(request, span).catch((error: unknown) => {
      endRunSpan(span, error);
      throw error;
    }));
  }

  private async startDelegatedRun(request: DelegatedStart, span: Span | undefined): Promise<Run> {
    const receivedAt = performance.now();
    if (this.draining) throw new DomainError('UPSTREAM_UNAVAILABLE', 'The gateway is shutting down', { retryable: true });
    const { agent, parent, childRunId: runId, depth } = request;
    const ownerId = parent.owner.userId;
    if (ownerId !== null && this.pausedUsers.has(ownerId)) throw new DomainError('UPSTREAM_UNAVAILABLE', 'This user’s data is being erased (forgetUser)', { retryable: true });
    const asked = request.context ? `${request.question}\n\nContext:\n${request.context}` : request.question;
    const message = await this.deps.hooks.beforeProcessMessage({ message: asked, agentId: agent.id, userId: request.userId, conversationId: null, metadata: null });
    const routing: RoutingDecision = { ...explicitChoice(agent.id), reason: `delegated by "${parent.answeringAgentId}" (run ${parent.id})` };
    const answerId = randomUUID();
    const now = new Date();
    const conversation: Conversation = { id: randomUUID(), userId: ownerId, title: titleFrom(message.trim() || 'Delegation'), createdAt: now, updatedAt: now, parentConversationId: parent.conversationId, parentRunId: parent.id };
    const turn: NewTurn = { user: { content: message, runId }, answer: { id: answerId, agentId: agent.id, runId, routing } };
    const stored = this.traceStore(this.deps.store.startChildConversation(conversation, turn));
    stored.catch(() => {});
    const run = new Run({
      id: runId,
      conversationId: conversation.id,
      agentId: agent.id,
      owner: { userId: ownerId },
      orphanGraceMs: this.deps.settings.runOrphanGraceMs,
      requestId: parent.requestId,
      delegation: { parentRunId: parent.id, depth, ancestors: [...(parent.delegation?.ancestors ?? []), parent.answeringAgentId] },
      keyId: parent.keyId,
    });
    const responseFormat = agent.responseFormat ? this.formats.compile(agent.responseFormat) : undefined;
    const prepared: Prepared = { run, answerId, stored, agent, routing, conversation, userId: request.userId, sampling: undefined, client: { clientTools: [] }, responseFormat, turn: { runId, message, isNew: true, userId: ownerId, keyId: parent.keyId } };
    return this.launch(prepared, () => {}, receivedAt, span);
  }

  /** Executes a prepared run and hands it out once its turn is durable; `release` frees its admission slot when it ends. */
  private async launch(prepared: Prepared, release: () => void, receivedAt: number, span?: Span): Promise<Run> {
    const { run, stored } = prepared;
    if (span) traceRun(span, run, prepared.routing, this.deps.tracing?.captureContent ? prepared.turn.message : undefined);
    // The slot is held until the run ends, or until it leaves this process paused (nobody reads it; it is stored).
    let held = true;
    const free = () => {
      if (held) release();
      held = false;
    };
    run.onFinished(free);
    run.onLeftMemory(free);
    const meter = this.deps.metrics.runStarted(receivedAt);
    run.onFinished(() => meter.ended(OUTCOME_OF[run.status], run.failureCode));
    run.onLeftMemory(() => meter.ended('paused'));
    const executed = this.execute(prepared, meter);
    try {
      await stored;
    } catch (error) {
      run.cancel(TURN_NOT_STORED);
      await executed;
      throw error;
    }
    this.deps.runs.add(run);
    this.deps.shared?.attach(run);
    return run;
  }

  /**
   * A chat being started, until it is stored (an erasure waits for it). A method of its own: a
   * closure in start() would put this bookkeeping (and the stored turn it settles with) in the
   * scope the run's listeners keep for the run's whole life, a paused run's too.
   */
  private trackStarting(userId: string | null, preparing: Promise<Prepared>): void {
    const entry = { userId, done: preparing.then((p) => p.stored.then(() => undefined), () => undefined).catch(() => undefined) };
    this.starting.add(entry);
    void entry.done.finally(() => this.starting.delete(entry));
  }

  /**
   * Refuses the user's chats until the returned function is called, once the chats they had begun
   * starting are stored and registered (so an erasure that follows finds them).
   */
  async pauseUser(userId: string): Promise<() => void> {
    this.pausedUsers.set(userId, (this.pausedUsers.get(userId) ?? 0) + 1);
    await Promise.allSettled([...this.starting].filter((entry) => entry.userId === userId).map((entry) => entry.done));
    return () => {
      const count = (this.pausedUsers.get(userId) ?? 1) - 1;
      if (count > 0) this.pausedUsers.set(userId, count);
      else this.pausedUsers.delete(userId);
    };
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
    if (!run || !mayReadOwned(viewerOf(principal, options.userId), run.owner.userId)) throw notFound('Run', runId);
    return run;
  }

  /**
   * A run's events after `after`, then live. A run no longer in memory (it ended before a restart,
   * or its retention passed) answers from its stored answer: the terminal event alone.
   */
  async events(principal: Principal, runId: string, after: number, options: { userId?: string | null } = {}): Promise<EventQueue> {
    requireAuthenticated(principal);
    const run = this.deps.runs.get(runId);
    if (run) {
      const queue = this.getRun(principal, runId, options).subscribe(after);
      if (this.deps.tracing) followerLink(runId, run.traceparent);
      return queue;
    }
    if (this.deps.shared) {
      const remote = await this.remoteRun(principal, runId, options);
      if (remote === UNREACHABLE) return this.storedAfterOutage(principal, runId, after, options);
      if (remote) {
        // Followed here, executed on another replica: this operation's span links to the run's.
        if (this.deps.tracing) followerLink(runId, remote.traceparent);
        return this.deps.shared.follow(runId, after);
      }
    }
    const revived = await this.revivePaused(principal, runId, options);
    if (revived) return revived.subscribe(after);
    const terminal = await this.storedTerminal(principal, runId, options);
    const queue = new EventQueue();
    if (terminal.seq > after) queue.push(terminal);
    queue.end();
    return queue;
  }

  /** Cancels a run of this process; a paused one (no model call to stop) answers once its end is stored. */
  private async cancelHere(run: Run): Promise<boolean> {
    const waiting = run.waiting;
    const cancelled = run.cancel();
    if (cancelled && waiting) await run.result;
    return cancelled;
  }

  /** A paused run no process holds (the gateway restarted; its replica stopped): rebuilt here from its stored step. */
  private async revivePaused(principal: Principal, runId: string, options: { userId?: string | null }): Promise<Run | undefined> {
    const stored = await this.deps.store.findAnswerByRun(runId);
    if (!stored || stored.answer.status !== 'WAITING' || !mayReadOwned(viewerOf(principal, options.userId), stored.ownerId)) return undefined;
    return this.deps.pauses.revive(runId, stored.answer, stored.ownerId);
  }

  /** True when the run was cancelled now; false when it had already ended. */
  async cancel(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<boolean> {
    requireAuthenticated(principal);
    if (this.deps.runs.get(runId)) return this.cancelHere(this.getRun(principal, runId, options));
    if (this.deps.shared) {
      const remote = await this.remoteRun(principal, runId, options);
      if (remote && remote !== UNREACHABLE && (await this.deps.shared.isHeld(runId))) return this.deps.shared.cancel(runId);
    }
    const revived = await this.revivePaused(principal, runId, options);
    if (revived) return this.cancelHere(revived);
    await this.storedTerminal(principal, runId, options);
    return false;
  }

  /** Every event of the conversation's runs as they happen; the conversation must be the caller's. */
  async watchConversation(principal: Principal, conversationId: string, options: { userId?: string | null } = {}) {
    await this.deps.conversations.get(principal, conversationId, options);
    const { shared, runs } = this.deps;
    if (!shared) return runs.watchConversation(conversationId);
    // Runs executing on other replicas come through Redis; this replica's own, from memory as always.
    let stop = () => {};
    const queue = runs.watchConversation(conversationId, () => stop());
    stop = await shared.watchConversation(conversationId, queue, (runId) => runs.get(runId) !== undefined);
    return queue;
  }

  /**
   * A run another replica executes (or executed), checked against the principal as a local one is.
   * Redis down: UNREACHABLE for a run whose answer is stored as ended (served from it); otherwise UPSTREAM_UNAVAILABLE.
   */
  private async remoteRun(principal: Principal, runId: string, options: { userId?: string | null }) {
    let info;
    try {
      info = await this.deps.shared!.describe(runId);
    } catch (error) {
      const stored = await this.deps.store.findAnswerByRun(runId);
      if (stored && stored.answer.status !== 'STREAMING') return UNREACHABLE;
      throw error;
    }
    if (info && !mayReadOwned(viewerOf(principal, options.userId), info.ownerId)) throw notFound('Run', runId);
    return info;
  }

  /**
   * Redis down, the run ended on another replica: the stored answer serves a client that has every
   * event but the last; one further behind is refused (retryable), since which part of the text it
   * lacks is only in the shared log: a terminal alone would skip its tokens without a word.
   */
  private async storedAfterOutage(principal: Principal, runId: string, after: number, options: { userId?: string | null }): Promise<EventQueue> {
    const terminal = await this.storedTerminal(principal, runId, options);
    if (after < terminal.seq - 1) {
      throw new DomainError(
        'UPSTREAM_UNAVAILABLE',
        `Redis is unavailable, so the events of run "${runId}" after seq ${after} cannot be replayed now; retry shortly (its stored answer is in its conversation's messages)`,
      );
    }
    const queue = new EventQueue();
    if (terminal.seq > after) queue.push(terminal);
    queue.end();
    return queue;
  }

  private async storedTerminal(principal: Principal, runId: string, options: { userId?: string | null }): Promise<RunEvent> {
    const stored = await this.deps.store.findAnswerByRun(runId);
    if (!stored || stored.answer.status === 'STREAMING' || !mayReadOwned(viewerOf(principal, options.userId), stored.ownerId)) throw notFound('Run', runId);
    return terminalFromStored(runId, stored.answer);
  }

  private async prepare(principal: Principal, rawInput: ChatInput, requestId: string | undefined): Promise<Prepared> {
    requireAuthenticated(principal);
    const input = parseInput(this.inputSchema, rawInput);
    const { settings, hooks, agents, store } = this.deps;
    checkMessageLengths(input, settings.maxMessageChars);
    const userId = actingUserId(principal, input.userId) ?? null;
    // Checked before anything is stored: a history no model would accept is the caller's mistake.
    const history = input.history ? callerHistoryPieces(this.withHistoryImages(input.history)) : undefined;
    const chatFormat = input.responseFormat ? this.formats.compile(input.responseFormat) : undefined;
    let conversation = !input.conversationId
      ? undefined
      : input.createConversation
        ? await this.deps.conversations.ownedOrAbsent(principal, input.conversationId, { userId: input.userId })
        : await this.deps.conversations.get(principal, input.conversationId, { userId: input.userId });
    const explicit = input.agentId ? (this.deps.remoteAgents?.standIn(input.agentId) ?? (await agents.get(principal, input.agentId, { userId: input.userId }))) : undefined;
    const ownerId = conversation ? conversation.userId : userId;
    if (ownerId !== null && this.pausedUsers.has(ownerId)) {
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'This user’s data is being erased (forgetUser); retry in a moment', { retryable: true });
    }
    // Checked (and, with IMAGE_FETCH, read) before anything is stored or routed; a text-only chat does none of it.
    const images = input.images?.length ? await this.deps.images.resolve(input.images, ownerId) : undefined;

    const message = await hooks.beforeProcessMessage({
      message: input.message,
      agentId: explicit?.id ?? null,
      userId,
      conversationId: conversation?.id ?? null,
      metadata: input.metadata ?? null,
    });
    // Known before routing, so routing's model calls are charged to the run (the usage ledger).
    const runId = randomUUID();
    const keyId = credentialOf(principal);
    // Routed on the message as the hook left it; inside a conversation, the router may keep its agent.
    let messageVector: number[] | undefined;
    const routing = explicit
      ? explicitChoice(explicit.id)
      : await inSpan(this.deps.tracing, SPAN.route, undefined, async (span) => {
          const decision = await this.deps.router.selectAgent(principal, message, {
            conversationId: conversation?.id,
            userId: input.userId,
            onMessageVector: (vector) => (messageVector = vector),
            account: { userId: ownerId, keyId, agentId: null, runId },
          });
          span?.setAttributes({ [ATTR.agentName]: decision.agentId, [ATTR.routingStrategy]: decision.strategy, [ATTR.routingCached]: decision.cached });
          return decision;
        });
    const agent = explicit ?? this.deps.remoteAgents?.standIn(routing.agentId) ?? (await agents.get(principal, routing.agentId, { userId: input.userId }));
    const toolChoice = input.toolChoice ?? undefined;
    const clientTools = input.clientTools?.length || toolChoice ? checkClientTools(input.clientTools ?? [], this.deps.modelLoop.toolNames(agent), toolChoice) : [];
    // A new message moves the conversation on: a run of it still waiting for its client ends (cancelled).
    // Ended and stored before the new turn is, so the conversation reads in order.
    if (conversation) {
      await Promise.all(
        (await this.deps.pauses.waitingIn(conversation.id)).map((waiting) => {
          waiting.cancel();
          return waiting.result;
        }),
      );
    }

    const answerId = randomUUID();
    const turn: NewTurn = {
      user: { content: message, runId, metadata: input.metadata, ...(images ? { parts: images.parts } : {}) },
      ...(images?.files.length ? { files: images.files } : {}),
      answer: { id: answerId, agentId: agent.id, runId, routing },
    };
    // The user message and the empty answer are one statement, so a crash mid-answer loses neither;
    // a new conversation and its first turn too. Not awaited here: the model request starts beside it.
    const isNew = conversation === undefined;
    let stored: Promise<StoredTurn>;
    if (conversation) stored = this.traceStore(store.addTurn(conversation.id, turn, conversation.userId));
    else {
      const now = new Date();
      const id = input.createConversation && input.conversationId ? input.conversationId : randomUUID();
      conversation = { id, userId, title: titleFrom(message.trim() || (images ? 'Image' : message)), createdAt: now, updatedAt: now };
      stored = this.traceStore(store.startConversation(userId, conversation.title, turn, { id: conversation.id, now }));
    }
    // Settled (or failed) once, however many wait on it; a rejection is handled by start().
    stored.catch(() => {});
    // The run belongs to its conversation's owner, whoever started it (an admin acting in alice's conversation).
    const owner = { userId: conversation.userId };
    const run = new Run({ id: runId, conversationId: conversation.id, agentId: agent.id, owner, orphanGraceMs: settings.runOrphanGraceMs, requestId, keyId });
    // Memory is the conversation owner's (an admin answering in alice's conversation uses alice's).
    const client: ClientOptions = { clientTools, toolChoice, parallelToolCalls: input.parallelToolCalls ?? undefined };
    const responseFormat = chatFormat ?? (agent.responseFormat ? this.formats.compile(agent.responseFormat) : undefined);
    return { run, answerId, stored, agent, routing, conversation, userId, sampling: input.sampling, client, responseFormat, turn: { runId, message, isNew, userId: owner.userId, keyId, history, messageVector, images: images?.model, imageParts: images?.parts, instructions: input.instructions ?? undefined } };
  }

  /** A caller's history with its user messages' images checked and typed (they are not stored). */
  private withHistoryImages(history: NonNullable<ChatInput['history']>): ChatMessage[] {
    return history.map((message, index) =>
      message.role === 'user' && message.images?.length ? { role: 'user', content: message.content, images: this.deps.images.historyImages(message.images, `history.${index}`) } : (message as ChatMessage),
    );
  }

  private async execute({ run, answerId, stored, agent, routing, conversation, userId, turn, sampling, client, responseFormat }: Prepared, meter: RunMeter): Promise<void> {
    run.emit({ type: 'RunStarted', conversationId: conversation.id, agentId: agent.id, ...(responseFormat ? { structured: true } : {}) });
    run.emit({ type: 'AgentSelected', ...routing });
    const job: AnswerJob = {
      run,
      answerId,
      stored,
      userMessageId: stored.then((turnStored) => turnStored.messageId),
      agent,
      actingUserId: userId,
      turn,
      sampling,
      client,
      text: '',
      tokenIndex: 0,
      outcome: { finishReason: 'stop', usage: null, memoryTokens: 0, toolRounds: [] },
      meter,
      responseFormat,
    };
    job.userMessageId.catch(() => {});
    await this.proceed(job);
  }

  /** The answer's model work from where the job stands to its end (stored, terminal event) or its next pause (stored, RunPaused). */
  private async proceed(job: AnswerJob): Promise<void> {
    const { run, answerId, stored, turn, outcome } = job;
    const { store, hooks } = this.deps;
    let lastSeq = run.lastSeq;
    // Text streams out as it comes; a structured answer's content is its last attempt's text.
    const structured = job.responseFormat && new StructuredAnswer(job.responseFormat, () => job.text);
    // Checkpoints start once the answer's row exists; the first one carries everything so far.
    let checkpoint: AnswerCheckpoint | undefined;
    let ended = false;
    const endCheckpoints = async () => {
      ended = true;
      await checkpoint?.close();
    };
    void stored.then(() => {
      if (ended) return;
      checkpoint = this.deps.checkpoints.track(answerId);
      checkpoint.update(job.text, lastSeq);
    }, () => {});
    let prompt: PromptWindow | undefined;
    // This stretch's memory tokens are added to the answer's once, however the stretch ends.
    let counted = false;
    const countMemory = async () => {
      if (!prompt || counted) return;
      counted = true;
      outcome.memoryTokens += await prompt.memoryTokens().catch(() => 0);
    };
    try {
      // A resumed run's context may have been read beside its decision's write (pausedContext).
      const prebuilt = job.context;
      job.context = undefined;
      const [context, team] = await Promise.all([prebuilt ?? inSpan(this.deps.tracing, SPAN.buildContext, undefined, () => this.deps.context.build(job.agent, run.conversationId, turn, run.signal)), this.teamOf(job)]);
      if (run.signal.aborted) throw run.signal.reason;
      job.questionVector ??= context.questionVector;
      prompt = context.prompt;
      let start: ClientSide['start'];
      const resumed = job.resumeFrom;
      if (resumed) {
        job.resumeFrom = undefined;
        outcome.toolRounds.push(await this.deps.modelLoop.finishPausedRound(run, job.agent, resumed, team));
        start = { iteration: resumed.iteration + 1, modelIndex: resumed.modelIndex, textSent: job.text.length > 0 };
      }
      outcome.paused = undefined;
      await this.untilAnswered(job, prompt, team, start, structured, (seq) => {
        checkpoint?.update(job.text, (lastSeq = seq));
      }, async (next) => {
        await countMemory();
        counted = false;
        prompt = next;
      });
      if (outcome.paused) {
        await endCheckpoints();
        await countMemory();
        if (run.delegation) throw delegatedPause(job.agent, outcome.paused);
        await this.pause(job, outcome.paused);
        return;
      }
      const json = structured?.accepted() ?? null;
      const agent = job.agent;
      const content = await hooks.afterProcessMessage({ response: structured?.text ?? job.text, agentId: agent.id, userId: job.actingUserId, conversationId: run.conversationId });
      const messageId = await job.userMessageId;
      await endCheckpoints();
      await countMemory();
      const usage = withMemoryTokens(outcome);
      const answer = await inSpan(this.deps.tracing, SPAN.storeAnswer, undefined, () =>
        store.finishAnswer(answerId, run.conversationId, {
          content,
          status: 'COMPLETE',
          finishReason: outcome.finishReason,
          usage,
          lastSeq: run.lastSeq,
          toolRounds: outcome.toolRounds,
        }),
      );
      run.answer = answer;
      if (run.span) traceRunEnd(run, usage, outcome.finishReason, this.deps.tracing?.captureContent ? content : undefined);
      run.emit({ type: 'MessageCompleted', messageId: answer.id, content, finishReason: outcome.finishReason, usage, json });
      // After the answer, in the background: the turn becomes searchable, and facts are learned from it
      // (not from a delegated run's: its question is a model's words, not the user's).
      this.remember(messageId, answer.id, job.questionVector, accountOfRun(run));
      if (!run.delegation) this.deps.extractor?.afterAnswer({ userId: turn.userId, agentId: agent.id, question: turn.message, answer: content, sourceMessageId: messageId, requestId: run.requestId, runId: run.id, account: accountOfRun(run) });
    } catch (error) {
      await endCheckpoints();
      await countMemory();
      await this.fail(run, answerId, stored, { content: structured?.text ?? job.text, usage: withMemoryTokens(outcome), toolRounds: outcome.toolRounds }, error);
      const messageId = await job.userMessageId.catch(() => undefined);
      if (messageId) this.remember(messageId, answerId, job.questionVector, accountOfRun(run));
    }
  }

  /**
   * The model loop until the answer ends or pauses. A handoff (transfer_to_) swaps the agent and
   * goes on in the same answer: Handoff, the answer row now the receiving agent's (routing keeps
   * the conversation with it), its context built (history and this turn's rounds), its team's tools.
   */
  private async untilAnswered(
    job: AnswerJob,
    prompt: PromptWindow,
    team: TeamTools | undefined,
    start: ClientSide['start'],
    structured: StructuredAnswer | undefined,
    onSeq: (seq: number) => void,
    onPrompt: (prompt: PromptWindow) => Promise<void>,
  ): Promise<void> {
    const { run, outcome } = job;
    for (;;) {
      await this.deps.modelLoop.run(
        run,
        job.agent,
        prompt,
        (delta) => {
          job.text += delta;
          if (job.tokenIndex === 0) job.meter?.firstToken();
          onSeq((job.textSeq = run.emit({ type: 'TokenDelta', text: delta, index: job.tokenIndex++ }).seq));
        },
        outcome,
        job.sampling,
        { ...job.client, start },
        structured,
        team,
      );
      const handoff = outcome.handoff;
      if (!handoff) return;
      outcome.handoff = undefined;
      run.emit({ type: 'Handoff', fromAgentId: job.agent.id, toAgentId: handoff.to.id, reason: handoff.reason });
      job.agent = handoff.to;
      run.answeringAgentId = handoff.to.id;
      const [context, next] = await Promise.all([this.deps.context.build(handoff.to, run.conversationId, job.turn, run.signal), this.teamOf(job), job.stored.then(() => this.deps.store.setAnswerAgent(job.answerId, handoff.to.id))]);
      if (run.signal.aborted) throw run.signal.reason;
      await onPrompt(context.prompt);
      prompt = context.prompt;
      team = next;
      start = { iteration: handoff.iteration + 1, modelIndex: 0, textSent: job.text.length > 0 };
    }
  }

  /** The turn's write, which runs beside routing's end and the model call, as a `store_turn` span. */
  private traceStore<T>(write: Promise<T>): Promise<T> {
    const { tracing } = this.deps;
    return tracing && childRecorded() ? endWith(tracing.tracer.startSpan(SPAN.storeTurn), write) : write;
  }

  /** The answering agent's team as this run's tools; a child's usage is added to the answer's; a child waits for this run's turn to be durable (its conversation links to it). */
  private teamOf(job: AnswerJob): Promise<TeamTools | undefined> {
    return this.deps.teams?.toolsFor(job.run, job.agent, { stored: job.stored, onUsage: (usage) => addUsage(job.outcome, usage) }) ?? Promise.resolve(undefined);
  }

  /**
   * The round needs its client: the paused step is stored with the answer (durable before
   * visible), then each waiting call is announced, then RunPaused. The run holds no model call
   * from here; one timer ends the wait.
   */
  private async pause(job: AnswerJob, paused: PausedCalls): Promise<void> {
    const { run, outcome } = job;
    const now = new Date();
    let seq = run.lastSeq;
    const pending = paused.pending.map((call) => ({ ...call, requestedSeq: ++seq }));
    const step: PausedStep = {
      version: 1,
      pausedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.deps.settings.clientToolTimeoutMs).toISOString(),
      pausedSeq: seq + 1,
      iteration: paused.iteration,
      modelIndex: paused.modelIndex,
      tokenIndex: job.tokenIndex,
      textSeq: job.textSeq,
      usage: outcome.usage,
      memoryTokens: outcome.memoryTokens,
      rounds: outcome.toolRounds,
      keyId: run.keyId,
      ...(run.traceparent ? { traceparent: run.traceparent } : {}),
      step: { text: paused.text, order: paused.order, done: paused.done, pending },
      turn: { message: job.turn.message, userMessageId: await job.userMessageId, actingUserId: job.actingUserId, history: job.turn.history, ...(job.turn.isNew ? { isNew: true } : {}), ...(job.turn.instructions ? { instructions: job.turn.instructions } : {}), ...(job.turn.imageParts?.length ? { images: job.turn.imageParts } : {}) },
      clientTools: job.client.clientTools,
      sampling: job.sampling,
      // `none` holds for the whole answer; a forced choice was for the first step only.
      toolChoice: job.client.toolChoice === 'none' ? 'none' : undefined,
      parallelToolCalls: job.client.parallelToolCalls,
      responseFormat: job.responseFormat?.format,
    };
    const answer = await this.deps.store.pauseAnswer(job.answerId, { content: job.text, lastSeq: step.pausedSeq, usage: withMemoryTokens(outcome), toolRounds: outcome.toolRounds, pending: step });
    // Not kept on the run: a paused run holds as little as it can (clients read the stored answer).
    this.deps.pauses.waiting(run, step, answer);
    endRunSpan(run.span, undefined, 'WAITING');
    run.span = undefined;
  }

  /**
   * Goes on with a run whose paused step was decided and claimed (its row STREAMING again): the
   * context is rebuilt from what is stored, the decided round completed, and the model called again.
   * RunPauses has already marked the run RUNNING.
   */
  continuePaused(run: Run, answer: Message, step: PausedStep, prefetched?: Promise<PausedContext>): Promise<void> {
    const { tracing } = this.deps;
    if (!tracing) return this.continuePausedRun(run, answer, step, prefetched);
    // The resumed stretch joins the run's trace (stored with its pause, whichever replica paused it), linked to the request that resumed it.
    const within = startResumedSpan(tracing, run, step.traceparent);
    return within(() => this.continuePausedRun(run, answer, step, prefetched));
  }

  private async continuePausedRun(run: Run, answer: Message, step: PausedStep, prefetched?: Promise<PausedContext>): Promise<void> {
    const { agent, turn, context } = await (prefetched ?? this.pausedContext(run.id, answer, run.owner.userId, step, false)).catch(() => this.pausedContext(run.id, answer, run.owner.userId, step, false));
    run.emit({ type: 'RunResumed' });
    for (const call of step.step.pending) {
      if (call.approval) run.emit({ type: 'ToolCallDecided', callId: call.callId, approved: call.approval.approved, reason: call.approval.reason, decidedBy: call.approval.by.userId });
    }
    const job: AnswerJob = {
      run,
      answerId: answer.id,
      stored: Promise.resolve(),
      userMessageId: Promise.resolve(step.turn.userMessageId),
      agent: agent ?? ({ id: run.agentId } as Agent),
      actingUserId: step.turn.actingUserId,
      turn,
      context,
      sampling: step.sampling,
      client: { clientTools: step.clientTools, toolChoice: step.toolChoice, parallelToolCalls: step.parallelToolCalls },
      text: answer.content,
      tokenIndex: step.tokenIndex,
      textSeq: step.textSeq,
      outcome: { finishReason: 'stop', usage: step.usage, memoryTokens: step.memoryTokens, toolRounds: step.rounds },
      resumeFrom: step,
      responseFormat: step.responseFormat ? this.formats.compile(step.responseFormat) : undefined,
    };
    if (!agent) {
      await this.fail(run, answer.id, job.stored, { content: job.text, usage: withMemoryTokens(job.outcome), toolRounds: job.outcome.toolRounds }, badInput(`The agent "${run.agentId}" was removed while the run waited`));
      return;
    }
    await this.proceed(job);
  }

  /**
   * What a paused run needs to go on: its agent, its turn, and (`withContext`) its context rebuilt
   * from what is stored. Asked for beside the decision's write, so a resume waits for one round trip less.
   */
  async pausedContext(runId: string, answer: Message, ownerId: string | null, step: PausedStep, withContext = true): Promise<PausedContext> {
    const agent = await this.deps.agents.find(answer.agentId ?? '');
    // A turn that started its conversation has no history before it, whatever came after: nothing to read.
    const turn: AnswerJob['turn'] = { runId, message: step.turn.message, isNew: step.turn.isNew === true, userId: ownerId, keyId: step.keyId ?? null, history: step.turn.history, instructions: step.turn.instructions, ...(await this.pausedImages(step)) };
    const context = withContext && agent ? this.deps.context.build(agent, answer.conversationId, turn) : undefined;
    context?.catch(() => {});
    return { agent, turn, context };
  }

  /** A paused turn's images, read again from what is stored. */
  private async pausedImages(step: PausedStep): Promise<Pick<AnswerJob['turn'], 'images' | 'imageParts'>> {
    const parts = step.turn.images;
    if (!parts?.length) return {};
    const [images] = await this.deps.images.forModel([parts]);
    return { images, imageParts: parts };
  }

  /** Ends a paused run that was cancelled before any decision resumed it: its answer stored CANCELLED, as it stood. */
  async endPaused(run: Run, answer: Message | undefined, reason: unknown): Promise<void> {
    if (!answer) {
      run.emit({ type: 'RunFailed', code: 'CANCELLED', message: 'The run was cancelled', retryable: false, partialMessageId: null });
      return;
    }
    const step = answer.pending as PausedStep;
    await this.fail(run, answer.id, Promise.resolve(), { content: answer.content, usage: answer.usage, toolRounds: step.rounds }, reason);
    this.remember(step.turn.userMessageId, answer.id, undefined, accountOfRun(run));
  }

  /** Indexes a settled turn for memory search (full text, and its embeddings, the question's reused, charged to `account`: the run). */
  private remember(messageId: string, answerId: string, questionVector: number[] | undefined, account: UsageAccount): void {
    void this.deps.indexer.indexMessages([messageId, answerId], questionVector ? new Map([[messageId, questionVector]]) : undefined, false, account);
  }

  /** Records what arrived (text and the tool rounds that completed), then ends the run with exactly one RunFailed. */
  private async fail(run: Run, answerId: string, stored: Promise<unknown>, partial: Pick<AnswerEnd, 'content' | 'usage' | 'toolRounds'>, error: unknown): Promise<void> {
    // The turn was never stored: start() throws its error, and this run, never handed out, just ends.
    if (run.signal.reason === TURN_NOT_STORED || !(await stored.then(() => true, () => false))) {
      if (!run.finished) run.emit({ type: 'RunFailed', code: 'INTERNAL', message: 'The message could not be stored', retryable: true, partialMessageId: null });
      return;
    }
    const cancelled = run.signal.aborted;
    const { code, message, retryable } = cancelled ? cancellation(run.signal.reason) : describeFailure(error);
    if (run.span) traceRunEnd(run, partial.usage, undefined, undefined, code);
    // A run outlives its request; its lines carry the request's id and its own.
    const fields = { reqId: run.requestId, runId: run.id };
    if (!cancelled && code === 'INTERNAL') this.deps.reportError(error, `run ${run.id}`, 'error', fields);
    // The client sees a generic message; what the provider said goes to the operator.
    if (!cancelled && error instanceof ModelError) this.deps.reportError(error, `run ${run.id}: ${message}`, 'warn', fields);
    let partialMessageId: string | null = null;
    try {
      const stored = await this.deps.store.finishAnswer(answerId, run.conversationId, {
        ...partial,
        status: cancelled ? 'CANCELLED' : 'FAILED',
        errorCode: code,
        lastSeq: run.lastSeq,
      });
      partialMessageId = stored.id;
      run.answer = stored;
    } catch (storeError) {
      this.deps.reportError(storeError, `storing the partial answer of run ${run.id}`, 'error', { reqId: run.requestId, runId: run.id });
    }
    if (!run.finished) run.emit({ type: 'RunFailed', code, message, retryable, partialMessageId });
  }
}

/** The user a chat acts for, for the erasure's bookkeeping; a bad request (refused by prepare) counts as nobody. */
function actorOf(principal: Principal, userId: string | null | undefined): string | null {
  try {
    return actingUserId(principal, userId) ?? null;
  } catch {
    return null;
  }
}

/** A subscriber's stream: a delegated run's forwarded events only where the surface shows them (ClientConnection.childEvents). */
const forClient = (queue: EventQueue, runId: string, connection: ClientConnection): EventQueue => (connection.childEvents ? queue : queue.ownEventsOf(runId));

/** A delegated run cannot wait for a client (it has none; the parent's client never saw its calls): it fails, and the parent's model reads why. */
function delegatedPause(agent: Agent, paused: PausedCalls): DomainError {
  const call = paused.pending[0]!;
  const waitsFor = call.kind === 'APPROVAL' ? 'a person’s approval' : 'its client';
  return badInput(`The delegated agent "${agent.id}" called "${call.tool}", which waits for ${waitsFor}; a delegated run cannot wait, so it stopped`);
}

/** A delegated run's usage, added to the answer's (the parent's usage counts its children's). */
function addUsage(outcome: ModelLoopOutcome, usage: TokenUsage): void {
  const total = (outcome.usage ??= { promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  total.promptTokens += usage.promptTokens;
  total.completionTokens += usage.completionTokens;
  total.totalTokens += usage.totalTokens;
}

/** The upstream's usage, with the prompt tokens memory added; null when the upstream reported none. */
const withMemoryTokens = (outcome: ModelLoopOutcome): TokenUsage | null => (outcome.usage ? { ...outcome.usage, memoryTokens: outcome.memoryTokens } : null);

/** The shared run log cannot be read now, but the run's answer is stored as ended. */
const UNREACHABLE = 'UNREACHABLE';

/** Why a run is stopped before anyone saw it: its user message could not be written. */
const TURN_NOT_STORED = new Error('The user message could not be stored');

/** How a finished run is counted (RUNNING never reaches onFinished; listed for the type). */
const OUTCOME_OF: Record<RunStatus, RunOutcome> = { RUNNING: 'failed', WAITING: 'failed', COMPLETE: 'completed', CANCELLED: 'cancelled', FAILED: 'failed' };

/** The caller named the agent: nothing to decide. */
const explicitChoice = (agentId: string): RoutingDecision => ({
  agentId,
  strategy: 'EXPLICIT',
  confidence: 1,
  reason: 'the caller named this agent',
  cached: false,
  latencyMs: 0,
  candidates: [{ agentId, score: null }],
});

/** A run cancelled by shutdown may be retried elsewhere; one cancelled by its client may not. */
function cancellation(reason: unknown): { code: RunFailureCode; message: string; retryable: boolean } {
  if (reason instanceof DomainError && reason.code === 'UPSTREAM_UNAVAILABLE') return { code: 'CANCELLED', message: reason.message, retryable: true };
  return { code: 'CANCELLED', message: 'The run was cancelled', retryable: false };
}

/** The one event a stored answer replays as, numbered after the last event its text includes. */
export function terminalFromStored(runId: string, answer: Message): RunEvent {
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
  // Another try may answer in the format: the model is not deterministic.
  if (error instanceof InvalidOutputError) return { code: 'INVALID_OUTPUT', message: error.message, retryable: true };
  if (error instanceof ModelError) return { code: error.code, message: error.message, retryable: error.retryable };
  if (error instanceof DomainError && error.code !== 'INTERNAL') {
    return { code: error.code === 'RATE_LIMITED' ? 'RATE_LIMITED' : error.code === 'UPSTREAM_UNAVAILABLE' ? 'UPSTREAM_UNAVAILABLE' : 'BAD_USER_INPUT', message: error.message, retryable: false };
  }
  return { code: 'INTERNAL', message: 'The run failed unexpectedly', retryable: true };
}
