import type { ChatAnswer } from '../core/runs/await-answer.js';
import { builder } from './builder.js';
import { ImageInput } from './image.js';
import { Message } from './conversation.js';
import { Usage, usageOfRun } from './run-event.js';
import { PendingToolCall } from './pending-tool-call.js';

export const RunStatus = builder.enumType('RunStatus', {
  description: 'Where a run stands.',
  values: {
    RUNNING: { description: 'The model is answering (or a tool runs).' },
    WAITING: { description: 'Paused for its client: a client tool’s result or an approval.' },
    COMPLETE: { description: 'Answered.' },
    CANCELLED: { description: 'Cancelled.' },
    FAILED: { description: 'Failed; the partial answer is stored.' },
  } as const,
});

export const SamplingInput = builder.inputType('SamplingInput', {
  description: 'Per-request sampling: each one set replaces the agent’s own for this answer.',
  fields: (t) => ({
    temperature: t.float({ description: '0 to 2.' }),
    maxTokens: t.int({ description: 'The most tokens the answer may take (1 to 1,000,000).' }),
    stop: t.stringList({ description: 'Up to 4 sequences at which the model stops.' }),
  }),
});

export const ClientToolInput = builder.inputType('ClientToolInput', {
  description: 'A tool the client runs (a UI action, a browser API): offered to the model beside the agent’s own tools.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Its function name: 1-64 letters, digits, "_" or "-"; not one of the agent’s tool names.' }),
    description: t.string({ description: 'What it does, for the model.' }),
    parameters: t.field({ type: 'JSON', description: 'The JSON Schema of its arguments object; an empty object schema when left out.' }),
  }),
});

export const ToolChoiceMode = builder.enumType('ToolChoiceMode', {
  description: 'Whether the model must, may or must not call a tool.',
  values: {
    AUTO: { value: 'auto', description: 'The model chooses.' },
    NONE: { value: 'none', description: 'No tool calls in this answer.' },
    REQUIRED: { value: 'required', description: 'Its first step must call a tool.' },
  } as const,
});

export const ToolChoiceInput = builder.inputType('ToolChoiceInput', {
  description: 'Which tool the model calls on its first step: a mode, or one tool by name.',
  fields: (t) => ({
    mode: t.field({ type: ToolChoiceMode, description: 'auto, none or required; ignored when `tool` is given.' }),
    tool: t.string({ description: 'The tool it must call (a client tool or one of the agent’s).' }),
  }),
});

export const ResponseFormatInput = builder.inputType('ResponseFormatInput', {
  description:
    'A structured answer: the model is asked for JSON matching `schema` (OpenAI’s json_schema response format), the answer is checked (ajv) and delivered parsed in MessageCompleted.json. ' +
    'An answer that does not match is retried once with the errors (AnswerRejected), then the run fails with INVALID_OUTPUT.',
  fields: (t) => ({
    name: t.string({ description: 'The format’s name, as the model sees it: 1-64 of a-z, A-Z, 0-9, "_", "-". Defaults to "answer".' }),
    schema: t.field({ type: 'JSON', required: true, description: 'A JSON Schema (2020-12; draft-07 schemas read the same) the answer must match; one that does not compile is BAD_USER_INPUT. At most 64 KB.' }),
    strict: t.boolean({
      description:
        'OpenAI’s strict mode. Left out: strict when the schema meets strict mode’s rules (an object root, every object closed with additionalProperties: false and all its properties required), else not; the gateway’s own check applies either way.',
    }),
  }),
});

export const ChatInput = builder.inputType('ChatInput', {
  description: 'One message to an agent, and where it goes.',
  fields: (t) => ({
    message: t.string({ description: 'The user’s message (may be empty when `images` are given).', required: true }),
    images: t.field({ type: [ImageInput], description: 'Images with the message (see ImageInput); the model sees them after the text. Memory, routing and fact extraction read the text only.' }),
    agentId: t.id({ description: 'The agent to answer; the default agent when left out.' }),
    conversationId: t.id({ description: 'Continue this conversation; a new one starts when left out.' }),
    userId: t.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    metadata: t.field({ type: 'JSON', description: 'Stored with the user message.' }),
    sampling: t.field({ description: 'Sampling for this answer only.', type: SamplingInput }),
    clientTools: t.field({ type: [ClientToolInput], description: 'Tools the client runs. A call of one pauses the run (ToolCallRequested, RunPaused) until submitToolResults answers it.' }),
    toolChoice: t.field({ type: ToolChoiceInput, description: 'Which tool the model calls on its first step; it chooses freely when left out.' }),
    parallelToolCalls: t.boolean({ description: 'Whether the model may call several tools in one step (the provider’s default when left out).' }),
    responseFormat: t.field({ description: 'Ask for a structured answer (JSON matching a schema); replaces the agent’s own responseFormat.', type: ResponseFormatInput }),
  }),
});

export const ToolResultInput = builder.inputType('ToolResultInput', {
  description: 'A client tool’s result: `output` (any JSON; strings as they are), or `error` when it failed. One of the two.',
  fields: (t) => ({
    callId: t.id({ required: true, description: 'The call, as ToolCallRequested named it.' }),
    output: t.field({ type: 'JSON', description: 'What the tool returned.' }),
    error: t.string({ description: 'Why it failed; the model reads it.' }),
  }),
});

export const ChatResult = builder.objectRef<ChatAnswer>('ChatResult').implement({
  description: 'A finished chat: its run, its conversation and the stored answer.',
  fields: (t) => ({
    runId: t.exposeID('runId', { description: 'The run that produced the answer.' }),
    conversationId: t.exposeID('conversationId', { description: 'The conversation, new or continued.' }),
    agentId: t.exposeID('agentId', { description: 'The agent that answered.' }),
    message: t.expose('message', { type: Message, description: 'The stored answer; status CANCELLED if the run was cancelled.' }),
    usage: t.field({ description: 'Tokens used, when the model reported them (the run’s whole spend in auxiliaryTokens, costUsd and byPurpose).', type: Usage, nullable: true, resolve: (answer) => usageOfRun(answer.usage, answer.runId) }),
    status: t.expose('status', { type: RunStatus, description: 'WAITING when the run paused for its client (see pendingToolCalls); otherwise how it ended.' }),
    pendingToolCalls: t.expose('pendingToolCalls', { type: [PendingToolCall], description: 'The calls the run waits for; empty unless WAITING.' }),
    json: t.field({ type: 'JSON', nullable: true, description: 'A structured answer, parsed (see ResponseFormatInput); null for text answers.', resolve: (answer) => answer.json ?? null }),
  }),
});

builder.objectFields(ChatResult, (t) => ({
  parentRunId: t.id({
    nullable: true,
    description: 'The run that delegated to this one (its `ask_` call); null for a run a client started.',
    resolve: async (answer, _args, { orchestrator, principal }) => (await orchestrator.chat.runInfo(principal, answer.runId)).parentRunId,
  }),
  children: t.field({
    type: [ChatResult],
    description: 'The runs this one delegated to, in the order they started: each answered in a child conversation of its own, stored and replayable (runEvents).',
    resolve: (answer, _args, { orchestrator, principal }) => orchestrator.chat.childAnswers(principal, answer.runId),
  }),
}));
