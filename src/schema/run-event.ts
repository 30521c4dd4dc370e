import type { TokenUsage } from '../core/models/chat-model.js';
import { RUN_FAILURE_CODES, type RunEvent as RunEventModel, type RunEventType } from '../core/runs/run-event.js';
import { builder } from './builder.js';
import { routingFields } from './routing.js';

type EventOf<T extends RunEventType> = Extract<RunEventModel, { type: T }>;

export const FINISH_REASON =
  'How the answer ended: stop, length, content_filter, other (as the model said), max_tool_iterations (the model still called tools after MAX_TOOL_ITERATIONS rounds; the answer is the text so far), or budget_exceeded (a hard budget of the key or user was spent during the run; the answer is the text so far).';

/** An answer's usage, with its run when known (the ledger's fields read the run's whole spend). */
export type UsageSource = TokenUsage & { runId?: string | null | undefined };

/** The answer's usage with its run, for the ledger's fields. */
export const usageOfRun = (usage: TokenUsage | null | undefined, runId: string | null | undefined): UsageSource | null => (usage ? { ...usage, runId } : null);

export const Usage = builder.objectRef<UsageSource>('Usage').implement({
  description:
    'Tokens an answer used. promptTokens, completionTokens and totalTokens are the answering model’s (every step and tool round, its delegations’ answers included); auxiliaryTokens, costUsd and byPurpose add what the run spent around the answer, read from the usage ledger when asked.',
  fields: (t) => ({
    promptTokens: t.exposeInt('promptTokens', { description: 'Tokens of the prompt.' }),
    completionTokens: t.exposeInt('completionTokens', { description: 'Tokens of the answer.' }),
    totalTokens: t.exposeInt('totalTokens', { description: 'Prompt and answer together.' }),
    memoryTokens: t.int({
      nullable: true,
      description: 'Of the prompt tokens, those memory added (buffer messages, long-term memories, user context), summed over every model round; counted with the o200k tokenizer.',
      resolve: (usage) => usage.memoryTokens ?? null,
    }),
  }),
});


export const RunFailureCode = builder.enumType('RunFailureCode', {
  description: 'Why a run failed.',
  values: {
    UPSTREAM_UNAVAILABLE: { description: 'The model (or a service it needs) was unavailable; retryable.' },
    RATE_LIMITED: { description: 'A rate or concurrency limit was reached; retryable later.' },
    BAD_USER_INPUT: { description: 'The request was refused as invalid.' },
    CANCELLED: { description: 'Cancelled by cancelRun, by the caller going away, or by shutdown.' },
    INTERRUPTED: { description: 'The gateway stopped while the answer was written.' },
    INVALID_OUTPUT: { description: 'A structured answer did not match its response format, twice (one retry); the last attempt’s text is stored. Retryable.' },
    INTERNAL: { description: 'An unexpected error.' },
  } as const satisfies Record<(typeof RUN_FAILURE_CODES)[number], object>,
});

/** Fields every run event has, so a client can read them without knowing the event's type. */
const RunEventFields = builder.interfaceRef<{ runId: string; seq: number }>('RunEventFields').implement({
  description: 'The fields every run event has.',
  fields: (t) => ({
    runId: t.exposeID('runId', { description: 'The run this event belongs to.' }),
    seq: t.exposeInt('seq', {
      description: '1, 2, 3 … within the run; pass the last one seen to runEvents(after:) to resume. A delegated run’s events forwarded into its parent’s stream carry their own runId and the parent stream’s seq.',
    }),
  }),
});

function eventType<T extends RunEventType>(name: T, description: string) {
  return builder.objectRef<EventOf<T>>(name).implement({
    description,
    interfaces: [RunEventFields],
    isTypeOf: (event) => (event as RunEventModel).type === name,
  });
}

const RunStarted = eventType('RunStarted', 'The first event of every run.');
builder.objectFields(RunStarted, (t) => ({
  conversationId: t.exposeID('conversationId', { description: 'The conversation, new or continued.' }),
  agentId: t.exposeID('agentId', { description: 'The agent that answers.' }),
}));

const AgentSelected = eventType('AgentSelected', 'Which agent answers, and why: the routing decision.');
builder.objectFields(AgentSelected, routingFields);

const ModelFallback = eventType('ModelFallback', "The agent's model was unavailable before the first token; the next of its fallbackModels answers.");
builder.objectFields(ModelFallback, (t) => ({
  fromModel: t.exposeString('fromModel', { description: 'The model that was unavailable.' }),
  toModel: t.exposeString('toModel', { description: 'The model that answers instead.' }),
  reason: t.exposeString('reason', { description: 'Why it was unavailable.' }),
}));

const TokenDelta = eventType('TokenDelta', 'The next piece of the answer. Concatenated in order, the deltas are the answer.');
builder.objectFields(TokenDelta, (t) => ({
  text: t.exposeString('text', { description: 'The new text.' }),
  index: t.exposeInt('index', { description: 'Position of this delta in the answer, from 0. Merged deltas (slow readers) keep the first index.' }),
}));

const ToolCallStarted = eventType('ToolCallStarted', 'The agent called a tool.');
builder.objectFields(ToolCallStarted, (t) => ({
  callId: t.exposeID('callId', { description: 'The model’s id of the call.' }),
  serverId: t.exposeID('serverId', { description: 'The MCP server of the tool; null for in-process tools.', nullable: true }),
  tool: t.exposeString('tool', { description: 'The function name the model used.' }),
  arguments: t.expose('arguments', { description: 'The arguments the model sent.', type: 'JSON' }),
}));

const ToolCallCompleted = eventType('ToolCallCompleted', 'A tool call returned.');
builder.objectFields(ToolCallCompleted, (t) => ({
  callId: t.exposeID('callId', { description: 'The call, as in ToolCallStarted.' }),
  result: t.expose('result', { description: 'What the tool returned.', type: 'JSON' }),
  isError: t.exposeBoolean('isError', { description: 'True when the tool failed; `result` says why.' }),
  durationMs: t.exposeInt('durationMs', { description: 'How long the call took.' }),
}));

const ToolCallRequested = eventType('ToolCallRequested', 'The model called a client tool: run it and send its result with submitToolResults (the run waits, RunPaused follows).');
builder.objectFields(ToolCallRequested, (t) => ({
  callId: t.exposeID('callId', { description: 'The id to answer it by.' }),
  tool: t.exposeString('tool', { description: 'The client tool’s name.' }),
  arguments: t.expose('arguments', { description: 'The arguments the model sent, parsed; the raw text when it was not valid JSON.', type: 'JSON' }),
}));

const ToolApprovalRequested = eventType('ToolApprovalRequested', 'The model called a tool that needs approval: approveToolCall lets it run or refuses it (the run waits, RunPaused follows).');
builder.objectFields(ToolApprovalRequested, (t) => ({
  callId: t.exposeID('callId', { description: 'The id to decide it by.' }),
  serverId: t.exposeID('serverId', { description: 'The MCP server of the tool; null for in-process tools.', nullable: true }),
  tool: t.exposeString('tool', { description: 'The function name the model used.' }),
  arguments: t.expose('arguments', { description: 'The arguments the model sent, parsed; the raw text when it was not valid JSON.', type: 'JSON' }),
}));

const ToolCallDecided = eventType('ToolCallDecided', 'A call that needed approval was decided (as the run goes on): ToolCallStarted follows if it was approved.');
builder.objectFields(ToolCallDecided, (t) => ({
  callId: t.exposeID('callId', { description: 'The call.' }),
  approved: t.exposeBoolean('approved', { description: 'True when it may run.' }),
  reason: t.exposeString('reason', { nullable: true, description: 'Why, as the person said (or that no one decided in time).' }),
  decidedBy: t.exposeID('decidedBy', { nullable: true, description: 'The user who decided; null for credentials acting for no user and for a timeout.' }),
}));

const RunPaused = eventType('RunPaused', 'The run waits for its client: every call in callIds needs a result or a decision. The stream stays open; the run goes on when they are all answered.');
builder.objectFields(RunPaused, (t) => ({
  callIds: t.exposeIDList('callIds', { description: 'The calls it waits for (ToolCallRequested / ToolApprovalRequested before it).' }),
  expiresAt: t.field({ type: 'DateTime', description: 'When the wait ends (CLIENT_TOOL_TIMEOUT_MS): the model is then told the calls timed out, and the answer goes on.', resolve: (event) => new Date(event.expiresAt) }),
}));

const RunResumed = eventType('RunResumed', 'Every call the run waited for is answered: it goes on (ToolCallCompleted for each, then the model).');

const DelegationStarted = eventType(
  'DelegationStarted',
  'The agent asked another (its `ask_<agentId>` tool): a child run started. Its events follow in this stream with the child’s runId (numbered by this stream’s seq), until DelegationCompleted; runEvents(childRunId) replays it alone.',
);
builder.objectFields(DelegationStarted, (t) => ({
  parentRunId: t.exposeID('parentRunId', { description: 'The run that delegated.' }),
  childRunId: t.exposeID('childRunId', { description: 'The child run.' }),
  agentId: t.exposeID('agentId', { description: 'The agent that answers it.' }),
}));

const DelegationCompleted = eventType(
  'DelegationCompleted',
  'The child run ended. Its answer (or why it failed) is the result of the ask_ call (ToolCallCompleted next); its own terminal event is in runEvents(childRunId).',
);
builder.objectFields(DelegationCompleted, (t) => ({
  childRunId: t.exposeID('childRunId', { description: 'The child run.' }),
  isError: t.exposeBoolean('isError', { description: 'True when it failed, was cancelled or timed out: the delegating model reads a tool error.' }),
}));

const Handoff = eventType('Handoff', 'The answering agent passed the conversation on (its `transfer_to_<agentId>` tool): the receiving agent continues this answer, and the conversation’s next messages stay with it.');
builder.objectFields(Handoff, (t) => ({
  fromAgentId: t.exposeID('fromAgentId', { description: 'The agent that answered until now.' }),
  toAgentId: t.exposeID('toAgentId', { description: 'The agent that answers from here.' }),
  reason: t.exposeString('reason', { nullable: true, description: 'Why, as the model said.' }),
}));

const MessageCompleted = eventType('MessageCompleted', 'The answer is complete and stored. Terminal.');
builder.objectFields(MessageCompleted, (t) => ({
  messageId: t.exposeID('messageId', { description: 'The stored answer’s id.' }),
  content: t.exposeString('content', { description: 'The stored answer: the deltas joined, unless an afterProcessMessage hook rewrote it.' }),
  finishReason: t.exposeString('finishReason', { description: FINISH_REASON }),
  usage: t.field({ description: 'Tokens used, when the model reported them.', type: Usage, nullable: true, resolve: (event) => usageOfRun(event.usage, event.runId) }),
  json: t.field({
    type: 'JSON',
    nullable: true,
    description: 'A structured answer (ChatInput.responseFormat, or the agent’s): the answer parsed, checked against the schema. Null for text answers.',
    resolve: (event) => event.json ?? null,
  }),
}));

const AnswerRejected = eventType(
  'AnswerRejected',
  'A structured answer did not match its response format: the text received since RunStarted (or the previous AnswerRejected) is discarded, and the model, shown the errors, answers once more. Its TokenDeltas follow; MessageCompleted.content is that answer only. A second failure ends the run with RunFailed (INVALID_OUTPUT).',
);
builder.objectFields(AnswerRejected, (t) => ({
  errors: t.exposeStringList('errors', { description: 'Why it was rejected: not JSON, or each schema violation (a JSON pointer into the answer and what is wrong).' }),
}));

const RunFailed = eventType('RunFailed', 'The run ended without a complete answer; any partial answer is stored. Terminal.');
builder.objectFields(RunFailed, (t) => ({
  code: t.expose('code', { description: 'Why it failed.', type: RunFailureCode }),
  message: t.exposeString('message', { description: 'What happened, for people.' }),
  retryable: t.exposeBoolean('retryable', { description: 'True when the same request may succeed later.' }),
  partialMessageId: t.exposeID('partialMessageId', { nullable: true, description: 'The stored partial answer, if it could be stored.' }),
}));

export const RunEvent = builder.unionType('RunEvent', {
  description: 'Everything a run reports, in order: RunStarted first, then MessageCompleted or RunFailed last. A run may pause in between (RunPaused) and go on (RunResumed).',
  types: [RunStarted, AgentSelected, ModelFallback, TokenDelta, ToolCallStarted, ToolCallCompleted, ToolCallRequested, ToolApprovalRequested, RunPaused, RunResumed, ToolCallDecided, AnswerRejected, DelegationStarted, DelegationCompleted, Handoff, MessageCompleted, RunFailed],
  resolveType: (event) => event.type,
});
