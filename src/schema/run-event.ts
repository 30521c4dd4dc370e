import type { TokenUsage } from '../core/models/chat-model.js';
import { RUN_FAILURE_CODES, type RunEvent as RunEventModel, type RunEventType } from '../core/runs/run-event.js';
import { builder } from './builder.js';
import { routingFields } from './routing.js';

type EventOf<T extends RunEventType> = Extract<RunEventModel, { type: T }>;

export const FINISH_REASON =
  'How the answer ended: stop, length, content_filter, other (as the model said), or max_tool_iterations (the model still called tools after MAX_TOOL_ITERATIONS rounds; the answer is the text so far).';

export const Usage = builder.objectRef<TokenUsage>('Usage').implement({
  fields: (t) => ({
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.exposeInt('totalTokens'),
    memoryTokens: t.int({
      nullable: true,
      description: 'Of the prompt tokens, those memory added (buffer messages, long-term memories, user context), summed over every model round; counted with the o200k tokenizer.',
      resolve: (usage) => usage.memoryTokens ?? null,
    }),
  }),
});


export const RunFailureCode = builder.enumType('RunFailureCode', { values: RUN_FAILURE_CODES });

/** Fields every run event has, so a client can read them without knowing the event's type. */
const RunEventFields = builder.interfaceRef<{ runId: string; seq: number }>('RunEventFields').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    seq: t.exposeInt('seq', { description: '1, 2, 3 … within the run; pass the last one seen to runEvents(after:) to resume.' }),
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
  conversationId: t.exposeID('conversationId'),
  agentId: t.exposeID('agentId'),
}));

const AgentSelected = eventType('AgentSelected', 'Which agent answers, and why: the routing decision.');
builder.objectFields(AgentSelected, routingFields);

const ModelFallback = eventType('ModelFallback', "The agent's model was unavailable before the first token; the next of its fallbackModels answers.");
builder.objectFields(ModelFallback, (t) => ({
  fromModel: t.exposeString('fromModel'),
  toModel: t.exposeString('toModel'),
  reason: t.exposeString('reason'),
}));

const TokenDelta = eventType('TokenDelta', 'The next piece of the answer. Concatenated in order, the deltas are the answer.');
builder.objectFields(TokenDelta, (t) => ({
  text: t.exposeString('text'),
  index: t.exposeInt('index', { description: 'Position of this delta in the answer, from 0. Merged deltas (slow readers) keep the first index.' }),
}));

const ToolCallStarted = eventType('ToolCallStarted', 'The agent called a tool.');
builder.objectFields(ToolCallStarted, (t) => ({
  callId: t.exposeID('callId'),
  serverId: t.exposeID('serverId', { nullable: true }),
  tool: t.exposeString('tool'),
  arguments: t.expose('arguments', { type: 'JSON' }),
}));

const ToolCallCompleted = eventType('ToolCallCompleted', 'A tool call returned.');
builder.objectFields(ToolCallCompleted, (t) => ({
  callId: t.exposeID('callId'),
  result: t.expose('result', { type: 'JSON' }),
  isError: t.exposeBoolean('isError'),
  durationMs: t.exposeInt('durationMs'),
}));

const MessageCompleted = eventType('MessageCompleted', 'The answer is complete and stored. Terminal.');
builder.objectFields(MessageCompleted, (t) => ({
  messageId: t.exposeID('messageId'),
  content: t.exposeString('content', { description: 'The stored answer: the deltas joined, unless an afterProcessMessage hook rewrote it.' }),
  finishReason: t.exposeString('finishReason', { description: FINISH_REASON }),
  usage: t.expose('usage', { type: Usage, nullable: true }),
}));

const RunFailed = eventType('RunFailed', 'The run ended without a complete answer; any partial answer is stored. Terminal.');
builder.objectFields(RunFailed, (t) => ({
  code: t.expose('code', { type: RunFailureCode }),
  message: t.exposeString('message'),
  retryable: t.exposeBoolean('retryable'),
  partialMessageId: t.exposeID('partialMessageId', { nullable: true, description: 'The stored partial answer, if it could be stored.' }),
}));

export const RunEvent = builder.unionType('RunEvent', {
  types: [RunStarted, AgentSelected, ModelFallback, TokenDelta, ToolCallStarted, ToolCallCompleted, MessageCompleted, RunFailed],
  resolveType: (event) => event.type,
});
