/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** TOKENS: input + output tokens. COST: US dollars from MODEL_PRICES (unpriced models cost nothing). */
export type BudgetMetric =
  /** US dollars (MODEL_PRICES). */
  | 'COST'
  /** Input + output tokens. */
  | 'TOKENS';

/** A UTC calendar day or month: spend starts again from zero when it ends. */
export type BudgetPeriod =
  /** A UTC calendar day. */
  | 'DAY'
  /** A UTC calendar month. */
  | 'MONTH';

/** Whose spend a budget limits: one API key’s (its tokens count too), or one user’s. */
export type BudgetScope =
  /** One API key (JWTs count under the key that issued them). */
  | 'KEY'
  /** One user. */
  | 'USER';

/** One message to an agent, and where it goes. */
export type ChatInput = {
  /** The agent to answer; the default agent when left out. */
  agentId?: string | null | undefined;
  /** Tools the client runs. A call of one pauses the run (ToolCallRequested, RunPaused) until submitToolResults answers it. */
  clientTools?: Array<ClientToolInput> | null | undefined;
  /** Continue this conversation; a new one starts when left out. */
  conversationId?: string | null | undefined;
  /** Images with the message (see ImageInput); the model sees them after the text. Memory, routing and fact extraction read the text only. */
  images?: Array<ImageInput> | null | undefined;
  /** The user’s message (may be empty when `images` are given). */
  message: string;
  /** Stored with the user message. */
  metadata?: unknown;
  /** Whether the model may call several tools in one step (the provider’s default when left out). */
  parallelToolCalls?: boolean | null | undefined;
  /** Ask for a structured answer (JSON matching a schema); replaces the agent’s own responseFormat. */
  responseFormat?: ResponseFormatInput | null | undefined;
  /** Sampling for this answer only. */
  sampling?: SamplingInput | null | undefined;
  /** Which tool the model calls on its first step; it chooses freely when left out. */
  toolChoice?: ToolChoiceInput | null | undefined;
  /** Act for this user (admins and unbound user keys); a JWT acts for its own user. */
  userId?: string | null | undefined;
};

/** A tool the client runs (a UI action, a browser API): offered to the model beside the agent’s own tools. */
export type ClientToolInput = {
  /** What it does, for the model. */
  description?: string | null | undefined;
  /** Its function name: 1-64 letters, digits, "_" or "-"; not one of the agent’s tool names. */
  name: string;
  /** The JSON Schema of its arguments object; an empty object schema when left out. */
  parameters?: unknown;
};

/** A new agent. */
export type CreateAgentInput = {
  /** Publish it under the A2A protocol (an agent card and a JSON-RPC endpoint; docs/a2a.md). False when left out. */
  a2a?: boolean | null | undefined;
  /** Agents it may delegate to (`ask_<id>` tools): each must exist and be visible to its users, with no delegation cycle and no chain deeper than MAX_DELEGATION_DEPTH. */
  delegates?: Array<string> | null | undefined;
  /** What the agent is for; routing reads it. */
  description?: string | null | undefined;
  /** Models tried in order when `model` is unavailable (5xx, 429 after retries, unreachable, timeout) before the first token. */
  fallbackModels?: Array<string> | null | undefined;
  /** Agents it may pass the conversation to (`transfer_to_<id>` tools); each must exist and be visible to its users. */
  handoffs?: Array<string> | null | undefined;
  /** Lower-case letters, digits, "_" and "-", at most 64 characters. */
  id: string;
  /** The most tokens an answer may take. */
  maxTokens?: number | null | undefined;
  /** Defaults to DEFAULT_MODEL. */
  model?: string | null | undefined;
  /** Tools whose calls wait for approval (approveToolCall): tool names, MCP server ids, `server/tool`, or "*" for every tool. */
  requireApproval?: Array<string> | null | undefined;
  /** Structured answers by default: a chat without its own responseFormat gets this one. */
  responseFormat?: ResponseFormatInput | null | undefined;
  /** Make it the default agent (global agents only). */
  setAsDefault?: boolean | null | undefined;
  /** The system message of every chat; SYSTEM_MESSAGE when left out. */
  systemMessage?: string | null | undefined;
  /** Sampling temperature, 0 to 2. */
  temperature?: number | null | undefined;
  /** Tools it may call: a tool name, an MCP server id (all its tools), or `server/tool`. */
  tools?: Array<string> | null | undefined;
  /** Makes a per-user agent that only this user sees. */
  userId?: string | null | undefined;
};

/** How closely the model looks (OpenAI’s image detail): LOW costs 85 tokens; HIGH and AUTO by the image’s size. */
export type ImageDetail =
  /** The provider chooses. */
  | 'AUTO'
  /** 512 px tiles of the image scaled to 768 px on its shorter side: 85 + 170 per tile. */
  | 'HIGH'
  /** A 512 × 512 view, 85 tokens. */
  | 'LOW';

/** One image of a message: exactly one of `url`, `dataUrl`, `file` or `fileId`. PNG, JPEG, WebP or GIF, judged by the bytes (never by a name or claimed type), at most IMAGE_MAX_BYTES; at most MAX_IMAGES_PER_MESSAGE per message. Uploads, data: URLs (and URLs with IMAGE_FETCH) are stored and replayed with the conversation. */
export type ImageInput = {
  /** A base64 data: URL (data:image/png;base64,…); the bytes are stored. */
  dataUrl?: string | null | undefined;
  /** How closely the model looks; the provider’s default when left out. */
  detail?: ImageDetail | null | undefined;
  /** An upload (GraphQL multipart request); stored. */
  file?: unknown;
  /** An image stored before (an ImagePart’s fileId) of the same conversation owner, sent again. */
  fileId?: string | null | undefined;
  /** An https URL, passed to the model as it is (the gateway does not fetch it unless IMAGE_FETCH is on); http only for localhost. A data: URL here reads as `dataUrl`. */
  url?: string | null | undefined;
};

/** A name and its value (a header or an environment variable). */
export type KeyValueInput = {
  /** The name. */
  name: string;
  /** The value. */
  value: string;
};

/** The connection state of an MCP server. */
export type McpServerStatus =
  /** Connected: its tools are offered to the agents that list it. */
  | 'CONNECTED'
  /** Connecting for the first time, or again after the connection dropped. */
  | 'CONNECTING'
  /** Down, with `error`; calls fail at once while it is retried with backoff. */
  | 'FAILED';

/** How the gateway talks to an MCP server. */
export type McpTransport =
  /** Streamable HTTP, or HTTP+SSE for servers that only speak it. */
  | 'HTTP'
  /** A local process, over its standard input and output. */
  | 'STDIO';

/** BUFFER: a conversation message; LONG_TERM: the memory ledger. */
export type MemoryHitSource =
  /** A conversation message. */
  | 'BUFFER'
  /** A long-term memory. */
  | 'LONG_TERM';

/** Which search found a hit: FULL_TEXT (its words, stemmed) or VECTOR (its embedding near the query’s). */
export type MemoryMatch =
  /** Found by full-text search. */
  | 'FULL_TEXT'
  /** Found by vector search (an embedding model is configured and the row is embedded). */
  | 'VECTOR';

/** MANUAL: added by a person; EXTRACTED: learned from a message by the fact extractor; AGENT: written by an agent. */
export type MemorySource =
  /** Written by an agent. */
  | 'AGENT'
  /** Learned from a message by the fact extractor. */
  | 'EXTRACTED'
  /** Added by a person. */
  | 'MANUAL';

/** Who wrote a message. */
export type MessageRole =
  /** An agent answering. */
  | 'ASSISTANT'
  /** The person (or client) asking. */
  | 'USER';

/** STREAMING while the answer is written (its text checkpointed as it grows); then COMPLETE, or how it ended early (its partial text is kept). */
export type MessageStatus =
  /** Cancelled before it finished. */
  | 'CANCELLED'
  /** Finished. */
  | 'COMPLETE'
  /** Failed before it finished; errorCode says why. */
  | 'FAILED'
  /** Being written. */
  | 'STREAMING'
  /** Its run waits for its client: a client tool’s result or an approval (pendingToolCalls). */
  | 'WAITING';

/** What kind of caller the credentials make. */
export type PrincipalKind =
  /** An admin API key. */
  | 'ADMIN'
  /** No credentials (allowed only when the gateway is open to anonymous callers). */
  | 'ANONYMOUS'
  /** A JWT or a user API key. */
  | 'USER';

/** Either `url` (streamable HTTP, or HTTP+SSE for servers that only speak it) or `command` (stdio). */
export type RegisterMcpServerInput = {
  /** Arguments of `command`. */
  args?: Array<string> | null | undefined;
  /** The executable of a stdio server. */
  command?: string | null | undefined;
  /** Environment of the stdio process. Stored; never shown again. */
  env?: Array<KeyValueInput> | null | undefined;
  /** Sent with every HTTP request (e.g. Authorization). Stored; never shown again. */
  headers?: Array<KeyValueInput> | null | undefined;
  /** Lower-case letters, digits, "_" and "-", at most 64 characters. */
  id: string;
  /** The endpoint of an HTTP server (http:// or https://). */
  url?: string | null | undefined;
};

/** A remote agent (A2A) and how to reach it. */
export type RegisterRemoteAgentInput = {
  /** Sent with every request (e.g. Authorization). Stored; never shown again. */
  headers?: Array<KeyValueInput> | null | undefined;
  /** Lower-case letters, digits, "_" and "-", at most 64 characters; shared with agents and MCP servers. */
  id: string;
  /** The agent card’s URL (ending in .json), or a base URL whose /.well-known/agent-card.json is the card (http:// or https://). */
  url: string;
};

/** The connection state of a remote agent (A2A). */
export type RemoteAgentStatus =
  /** Its card was fetched and checked: it can be asked, routed to and delegated to. */
  | 'CONNECTED'
  /** Its agent card is being fetched, for the first time or again. */
  | 'CONNECTING'
  /** Its card could not be fetched or is invalid, or it stopped answering; `error` says why. Questions fail at once while it is retried with backoff. */
  | 'FAILED';

/** A structured answer: the model is asked for JSON matching `schema` (OpenAI’s json_schema response format), the answer is checked (ajv) and delivered parsed in MessageCompleted.json. An answer that does not match is retried once with the errors (AnswerRejected), then the run fails with INVALID_OUTPUT. */
export type ResponseFormatInput = {
  /** The format’s name, as the model sees it: 1-64 of a-z, A-Z, 0-9, "_", "-". Defaults to "answer". */
  name?: string | null | undefined;
  /** A JSON Schema (2020-12; draft-07 schemas read the same) the answer must match; one that does not compile is BAD_USER_INPUT. At most 64 KB. */
  schema: unknown;
  /** OpenAI’s strict mode. Left out: strict when the schema meets strict mode’s rules (an object root, every object closed with additionalProperties: false and all its properties required), else not; the gateway’s own check applies either way. */
  strict?: boolean | null | undefined;
};

/** What happened to a run, as runsChanged reports it. */
export type RunChangeKind =
  /** It ended; `run.status` says how. */
  | 'ENDED'
  /** Its tokens or status moved (told at most once a second per run). */
  | 'PROGRESSED'
  /** It started. */
  | 'STARTED';

/** Why a run failed. */
export type RunFailureCode =
  /** The request was refused as invalid. */
  | 'BAD_USER_INPUT'
  /** Cancelled by cancelRun, by the caller going away, or by shutdown. */
  | 'CANCELLED'
  /** An unexpected error. */
  | 'INTERNAL'
  /** The gateway stopped while the answer was written. */
  | 'INTERRUPTED'
  /** A structured answer did not match its response format, twice (one retry); the last attempt’s text is stored. Retryable. */
  | 'INVALID_OUTPUT'
  /** A rate or concurrency limit was reached; retryable later. */
  | 'RATE_LIMITED'
  /** The model (or a service it needs) was unavailable; retryable. */
  | 'UPSTREAM_UNAVAILABLE';

/** Where a run stands. */
export type RunStatus =
  /** Cancelled. */
  | 'CANCELLED'
  /** Answered. */
  | 'COMPLETE'
  /** Failed; the partial answer is stored. */
  | 'FAILED'
  /** The model is answering (or a tool runs). */
  | 'RUNNING'
  /** Paused for its client: a client tool’s result or an approval. */
  | 'WAITING';

/** Per-request sampling: each one set replaces the agent’s own for this answer. */
export type SamplingInput = {
  /** The most tokens the answer may take (1 to 1,000,000). */
  maxTokens?: number | null | undefined;
  /** Up to 4 sequences at which the model stops. */
  stop?: Array<string> | null | undefined;
  /** 0 to 2. */
  temperature?: number | null | undefined;
};

/** EXPLICIT: the caller named the agent. SINGLE: the only candidate. STICKY: a short follow-up stayed with the agent that answered last in the conversation. ROUTING_CACHE / ROUTING_EMBEDDING / ROUTING_MODEL: how routing decided. FALLBACK: routing failed and the default agent answers (reason says why). */
export type SelectionStrategy =
  /** The caller named the agent. */
  | 'EXPLICIT'
  /** Routing failed; the default agent answers. */
  | 'FALLBACK'
  /** A cached routing decision for the same message. */
  | 'ROUTING_CACHE'
  /** The closest agent description by embedding. */
  | 'ROUTING_EMBEDDING'
  /** The routing model chose. */
  | 'ROUTING_MODEL'
  /** The only candidate. */
  | 'SINGLE'
  /** A short follow-up stayed with the agent that answered last. */
  | 'STICKY';

/** Which tool the model calls on its first step: a mode, or one tool by name. */
export type ToolChoiceInput = {
  /** auto, none or required; ignored when `tool` is given. */
  mode?: ToolChoiceMode | null | undefined;
  /** The tool it must call (a client tool or one of the agent’s). */
  tool?: string | null | undefined;
};

/** Whether the model must, may or must not call a tool. */
export type ToolChoiceMode =
  /** The model chooses. */
  | 'AUTO'
  /** No tool calls in this answer. */
  | 'NONE'
  /** Its first step must call a tool. */
  | 'REQUIRED';

/** Who ran a tool call. */
export type ToolExecutor =
  /** The client: a client tool whose result it submitted. */
  | 'CLIENT'
  /** The gateway: an in-process or MCP tool. */
  | 'GATEWAY';

/** A client tool’s result: `output` (any JSON; strings as they are), or `error` when it failed. One of the two. */
export type ToolResultInput = {
  /** The call, as ToolCallRequested named it. */
  callId: string;
  /** Why it failed; the model reads it. */
  error?: string | null | undefined;
  /** What the tool returned. */
  output?: unknown;
};

/** Fields left out stay as they are; null clears a field (model: back to DEFAULT_MODEL). */
export type UpdateAgentInput = {
  /** Publish it under the A2A protocol, or stop (false or null); its tasks stay readable by their owners. */
  a2a?: boolean | null | undefined;
  /** Agents it may delegate to (`ask_<id>` tools); [] or null for none. */
  delegates?: Array<string> | null | undefined;
  /** What the agent is for; routing reads it. */
  description?: string | null | undefined;
  /** Models tried in order when `model` is unavailable. */
  fallbackModels?: Array<string> | null | undefined;
  /** Agents it may pass the conversation to (`transfer_to_<id>` tools); [] or null for none. */
  handoffs?: Array<string> | null | undefined;
  /** The most tokens an answer may take. */
  maxTokens?: number | null | undefined;
  /** A model name, or "provider:model". */
  model?: string | null | undefined;
  /** Tools whose calls wait for approval; "*" for every tool; [] or null for none. */
  requireApproval?: Array<string> | null | undefined;
  /** Structured answers by default; null: text answers again. */
  responseFormat?: ResponseFormatInput | null | undefined;
  /** The system message of every chat. */
  systemMessage?: string | null | undefined;
  /** Sampling temperature, 0 to 2. */
  temperature?: number | null | undefined;
  /** Tools it may call. */
  tools?: Array<string> | null | undefined;
};

/** Changes to a memory; fields left out stay as they are. */
export type UpdateMemoryInput = {
  /** Keep content that looks like a secret. */
  confirmSensitive?: boolean | null | undefined;
  /** The new text. */
  content?: string | null | undefined;
  /** The memory to change. */
  id: string;
  /** 0 to 1. */
  importance?: number | null | undefined;
  /** A JSON object; replaces the old one. */
  metadata?: unknown;
};

/** What usage is grouped by: USER, KEY (the credential), AGENT, MODEL, PURPOSE, or a UTC DAY or HOUR (one of the two). */
export type UsageDimension =
  /** The agent that made the calls. */
  | 'AGENT'
  /** The UTC day. */
  | 'DAY'
  /** The UTC hour. */
  | 'HOUR'
  /** The credential the calls were made with. */
  | 'KEY'
  /** The model called. */
  | 'MODEL'
  /** Why the calls were made. */
  | 'PURPOSE'
  /** The user the calls were made for. */
  | 'USER';

/** Narrows the calls read; each field given must match exactly. */
export type UsageFilter = {
  /** Calls of this agent. */
  agentId?: string | null | undefined;
  /** Calls made with this credential (an API key’s id, env:… for the environment’s keys). */
  keyId?: string | null | undefined;
  /** Calls to this model, as recorded (e.g. gpt-4o-mini). */
  model?: string | null | undefined;
  /** Calls made for this purpose. */
  purpose?: UsagePurpose | null | undefined;
  /** Calls of this run. */
  runId?: string | null | undefined;
  /** One user’s calls (admins and unbound user keys; others may name only themselves). */
  userId?: string | null | undefined;
};

/** Why a model call was made: ANSWER (an answer’s first round), TOOL_ROUND (a round after tool results), ROUTING, EXTRACTION (user facts), EMBEDDING, DELEGATION (a delegated agent’s answer). */
export type UsagePurpose =
  /** The first model call of an answer. */
  | 'ANSWER'
  /** A delegated agent’s answer (a child run). */
  | 'DELEGATION'
  /** Embedding a message, memory or query. */
  | 'EMBEDDING'
  /** Extracting user facts after an answer. */
  | 'EXTRACTION'
  /** The routing model choosing an agent. */
  | 'ROUTING'
  /** A model call after tool results, within an answer. */
  | 'TOOL_ROUND';

export type StudioAgentsQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioAgentsQuery = { agents: Array<{ id: string, model: string, description: string | null, systemMessage: string | null, temperature: number | null, maxTokens: number | null, tools: Array<string>, requireApproval: Array<string>, delegates: Array<string>, handoffs: Array<string>, fallbackModels: Array<string>, isDefault: boolean, userId: string | null, updatedAt: string }> };

export type StudioCreateAgentMutationVariables = Exact<{
  input: CreateAgentInput;
}>;


export type StudioCreateAgentMutation = { createAgent: { id: string } };

export type StudioUpdateAgentMutationVariables = Exact<{
  id: string;
  input: UpdateAgentInput;
}>;


export type StudioUpdateAgentMutation = { updateAgent: { id: string } };

export type StudioRemoveAgentMutationVariables = Exact<{
  id: string;
}>;


export type StudioRemoveAgentMutation = { removeAgent: boolean };

export type StudioSetDefaultAgentMutationVariables = Exact<{
  id: string;
}>;


export type StudioSetDefaultAgentMutation = { setDefaultAgent: { id: string } };

export type StudioSelectAgentQueryVariables = Exact<{
  message: string;
}>;


export type StudioSelectAgentQuery = { selectAgent: { agentId: string, strategy: SelectionStrategy, confidence: number, reason: string, cached: boolean, latencyMs: number, candidates: Array<{ agentId: string, score: number | null }> } };

export type StudioConversationsQueryVariables = Exact<{
  userId?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type StudioConversationsQuery = { conversations: { edges: Array<{ node: { id: string, title: string, userId: string | null, updatedAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type StudioConversationQueryVariables = Exact<{
  id: string;
  userId?: string | null | undefined;
}>;


export type StudioConversationQuery = { conversation: { id: string, title: string, userId: string | null, createdAt: string, messages: Array<{ id: string, role: MessageRole, content: string, status: MessageStatus, agentId: string | null, runId: string | null, createdAt: string, errorCode: string | null, finishReason: string | null, usage: { promptTokens: number, completionTokens: number, totalTokens: number } | null, routing: { agentId: string, strategy: SelectionStrategy, confidence: number } | null, toolCalls: Array<{ callId: string, tool: string, serverId: string | null, arguments: unknown, result: string, isError: boolean, durationMs: number, round: number, executedBy: ToolExecutor, approval: { approved: boolean, reason: string | null } | null }> }> } };

export type StudioMcpServersQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioMcpServersQuery = { mcpServers: Array<{ id: string, transport: McpTransport, url: string | null, command: string | null, args: Array<string>, status: McpServerStatus, error: string | null, connectedAt: string | null, tools: Array<{ name: string, functionName: string, description: string | null, inputSchema: unknown }> }> };

export type StudioMcpServerFragment = { id: string, transport: McpTransport, url: string | null, command: string | null, args: Array<string>, status: McpServerStatus, error: string | null, connectedAt: string | null, tools: Array<{ name: string, functionName: string, description: string | null, inputSchema: unknown }> };

export type StudioMcpServerChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type StudioMcpServerChangedSubscription = { mcpServerChanged: { id: string, transport: McpTransport, url: string | null, command: string | null, args: Array<string>, status: McpServerStatus, error: string | null, connectedAt: string | null, tools: Array<{ name: string, functionName: string, description: string | null, inputSchema: unknown }> } };

export type StudioRemoteAgentsQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioRemoteAgentsQuery = { remoteAgents: Array<{ id: string, url: string, name: string | null, description: string | null, version: string | null, status: RemoteAgentStatus, error: string | null, streaming: boolean, connectedAt: string | null, skills: Array<{ id: string, name: string, description: string }> }> };

export type StudioRemoteAgentFragment = { id: string, url: string, name: string | null, description: string | null, version: string | null, status: RemoteAgentStatus, error: string | null, streaming: boolean, connectedAt: string | null, skills: Array<{ id: string, name: string, description: string }> };

export type StudioRemoteAgentChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type StudioRemoteAgentChangedSubscription = { remoteAgentChanged: { id: string, url: string, name: string | null, description: string | null, version: string | null, status: RemoteAgentStatus, error: string | null, streaming: boolean, connectedAt: string | null, skills: Array<{ id: string, name: string, description: string }> } };

export type StudioExecuteMcpToolMutationVariables = Exact<{
  serverId: string;
  toolName: string;
  arguments?: unknown;
}>;


export type StudioExecuteMcpToolMutation = { executeMcpTool: { isError: boolean, text: string, content: unknown, structuredContent: unknown } };

export type StudioRegisterMcpServerMutationVariables = Exact<{
  input: RegisterMcpServerInput;
}>;


export type StudioRegisterMcpServerMutation = { registerMcpServer: { id: string, status: McpServerStatus } };

export type StudioRemoveMcpServerMutationVariables = Exact<{
  id: string;
}>;


export type StudioRemoveMcpServerMutation = { removeMcpServer: boolean };

export type StudioReconnectMcpServerMutationVariables = Exact<{
  id: string;
}>;


export type StudioReconnectMcpServerMutation = { reconnectMcpServer: { id: string, status: McpServerStatus } };

export type StudioRegisterRemoteAgentMutationVariables = Exact<{
  input: RegisterRemoteAgentInput;
}>;


export type StudioRegisterRemoteAgentMutation = { registerRemoteAgent: { id: string, status: RemoteAgentStatus } };

export type StudioRemoveRemoteAgentMutationVariables = Exact<{
  id: string;
}>;


export type StudioRemoveRemoteAgentMutation = { removeRemoteAgent: boolean };

export type StudioSearchMemoryQueryVariables = Exact<{
  query: string;
  userId?: string | null | undefined;
  useLongTerm?: boolean | null | undefined;
}>;


export type StudioSearchMemoryQuery = { searchMemory: Array<{ id: string, source: MemoryHitSource, content: string, score: number, matchedBy: Array<MemoryMatch>, conversationId: string | null, role: MessageRole | null, agentId: string | null, createdAt: string }> };

export type StudioMemoriesQueryVariables = Exact<{
  userId?: string | null | undefined;
  includeSuperseded?: boolean | null | undefined;
}>;


export type StudioMemoriesQuery = { memories: { edges: Array<{ node: { id: string, content: string, factKey: string | null, source: MemorySource, confidence: number, importance: number, agentId: string | null, userId: string | null, embedded: boolean, validUntil: string | null, supersededBy: string | null, createdAt: string, updatedAt: string } }>, pageInfo: { hasNextPage: boolean } } };

export type StudioUserContextQueryVariables = Exact<{
  userId?: string | null | undefined;
}>;


export type StudioUserContextQuery = { userContext: { userId: string, knowledge: unknown, facts: Array<{ path: Array<string>, key: string, value: unknown, confidence: number, importance: number, source: MemorySource, updatedAt: string }> } };

export type StudioUpdateMemoryMutationVariables = Exact<{
  input: UpdateMemoryInput;
  userId?: string | null | undefined;
}>;


export type StudioUpdateMemoryMutation = { updateMemory: { id: string, content: string } };

export type StudioDeleteMemoryMutationVariables = Exact<{
  id: string;
  userId?: string | null | undefined;
}>;


export type StudioDeleteMemoryMutation = { deleteMemory: boolean };

export type StudioDeleteUserContextFactMutationVariables = Exact<{
  path: Array<string> | string;
  userId?: string | null | undefined;
}>;


export type StudioDeleteUserContextFactMutation = { deleteUserContextFact: number };

export type StudioForgetUserMutationVariables = Exact<{
  userId: string;
}>;


export type StudioForgetUserMutation = { forgetUser: { conversations: number, messages: number, memories: number, userContextFacts: number, agents: number, apiKeys: number, runs: number, cachedAnswers: number, routingDecisions: number, files: number } };

export type StudioMetricsQueryVariables = Exact<{
  windowSeconds?: number | null | undefined;
}>;


export type StudioMetricsQuery = { metrics: { replicaId: string, intervalSeconds: number, points: Array<{ at: string, seconds: number, runsStartedPerSecond: number, runsActive: number, firstTokenP50Ms: number | null, firstTokenP95Ms: number | null, inputTokensPerSecond: number, outputTokensPerSecond: number, subscriptionsActive: number, failures: Array<{ code: string, count: number }> }> } };

export type StudioLiveRunFragment = { id: string, status: RunStatus, agentId: string, userId: string | null, conversationId: string, parentRunId: string | null, startedAt: string, timeToFirstTokenMs: number | null, tokens: number | null, replicaId: string | null };

export type StudioRunsQueryVariables = Exact<{
  userId?: string | null | undefined;
}>;


export type StudioRunsQuery = { runs: Array<{ id: string, status: RunStatus, agentId: string, userId: string | null, conversationId: string, parentRunId: string | null, startedAt: string, timeToFirstTokenMs: number | null, tokens: number | null, replicaId: string | null }> };

export type StudioRunsChangedSubscriptionVariables = Exact<{
  userId?: string | null | undefined;
}>;


export type StudioRunsChangedSubscription = { runsChanged: { kind: RunChangeKind, run: { id: string, status: RunStatus, agentId: string, userId: string | null, conversationId: string, parentRunId: string | null, startedAt: string, timeToFirstTokenMs: number | null, tokens: number | null, replicaId: string | null } } };

export type StudioRunTimelineSubscriptionVariables = Exact<{
  runId: string;
  after: number;
  userId?: string | null | undefined;
}>;


export type StudioRunTimelineSubscription = { runEvents:
    | { __typename: 'AgentSelected', runId: string, seq: number, agentId: string, strategy: SelectionStrategy, confidence: number, cached: boolean, latencyMs: number, routingReason: string, candidates: Array<{ agentId: string, score: number | null }> }
    | { __typename: 'AnswerRejected', runId: string, seq: number, errors: Array<string> }
    | { __typename: 'DelegationCompleted', runId: string, seq: number, childRunId: string, isError: boolean }
    | { __typename: 'DelegationStarted', runId: string, seq: number, childRunId: string, agentId: string }
    | { __typename: 'Handoff', runId: string, seq: number, fromAgentId: string, toAgentId: string, handoffReason: string | null }
    | { __typename: 'MessageCompleted', runId: string, seq: number, content: string, finishReason: string, usage: { promptTokens: number, completionTokens: number, totalTokens: number, memoryTokens: number | null } | null }
    | { __typename: 'ModelFallback', runId: string, seq: number, fromModel: string, toModel: string, fallbackReason: string }
    | { __typename: 'RunFailed', runId: string, seq: number, code: RunFailureCode, message: string, retryable: boolean }
    | { __typename: 'RunPaused', runId: string, seq: number, callIds: Array<string>, expiresAt: string }
    | { __typename: 'RunResumed', runId: string, seq: number }
    | { __typename: 'RunStarted', runId: string, seq: number, agentId: string, conversationId: string }
    | { __typename: 'TokenDelta', runId: string, seq: number, text: string }
    | { __typename: 'ToolApprovalRequested', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown }
    | { __typename: 'ToolCallCompleted', runId: string, seq: number, callId: string, result: unknown, isError: boolean, durationMs: number }
    | { __typename: 'ToolCallDecided', runId: string, seq: number, callId: string, approved: boolean, decisionReason: string | null }
    | { __typename: 'ToolCallRequested', runId: string, seq: number, callId: string, tool: string, arguments: unknown }
    | { __typename: 'ToolCallStarted', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown }
   };

export type StudioUsageQueryVariables = Exact<{
  from: string;
  to: string;
  bucket: UsageDimension;
  filter?: UsageFilter | null | undefined;
  admin: boolean;
}>;


export type StudioUsageQuery = { overTime: { from: string, to: string, unpricedModels: Array<string>, totals: { calls: number, inputTokens: number, outputTokens: number, cachedTokens: number, reasoningTokens: number, totalTokens: number, costUsd: number, unpricedCalls: number }, groups: Array<{ bucketStart: string | null, calls: number, totalTokens: number, costUsd: number }> }, byUser?: { groups: Array<{ userId: string | null, calls: number, inputTokens: number, outputTokens: number, totalTokens: number, costUsd: number, unpricedCalls: number }> }, byKey: { groups: Array<{ keyId: string | null, calls: number, inputTokens: number, outputTokens: number, totalTokens: number, costUsd: number, unpricedCalls: number }> }, byAgent: { groups: Array<{ agentId: string | null, calls: number, inputTokens: number, outputTokens: number, totalTokens: number, costUsd: number, unpricedCalls: number }> }, byModel: { groups: Array<{ model: string | null, calls: number, inputTokens: number, outputTokens: number, totalTokens: number, costUsd: number, unpricedCalls: number }> } };

export type StudioKeyLabelsQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioKeyLabelsQuery = { apiKeys: Array<{ id: string, label: string | null, userId: string | null }> };

export type StudioBudgetsQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioBudgetsQuery = { budgets: Array<{ id: string, scope: BudgetScope, keyId: string | null, userId: string | null, metric: BudgetMetric, period: BudgetPeriod, limit: number, spent: number, remaining: number, resetsAt: string, hard: boolean, exceeded: boolean }> };

type StudioRunEvent_AgentSelected_Fragment = { __typename: 'AgentSelected', runId: string, seq: number, agentId: string, strategy: SelectionStrategy, confidence: number, cached: boolean, latencyMs: number, routingReason: string, candidates: Array<{ agentId: string, score: number | null }> };

type StudioRunEvent_AnswerRejected_Fragment = { __typename: 'AnswerRejected', runId: string, seq: number, errors: Array<string> };

type StudioRunEvent_DelegationCompleted_Fragment = { __typename: 'DelegationCompleted', runId: string, seq: number, childRunId: string, isError: boolean };

type StudioRunEvent_DelegationStarted_Fragment = { __typename: 'DelegationStarted', runId: string, seq: number, childRunId: string, agentId: string };

type StudioRunEvent_Handoff_Fragment = { __typename: 'Handoff', runId: string, seq: number, fromAgentId: string, toAgentId: string, handoffReason: string | null };

type StudioRunEvent_MessageCompleted_Fragment = { __typename: 'MessageCompleted', runId: string, seq: number, content: string, finishReason: string, usage: { promptTokens: number, completionTokens: number, totalTokens: number, memoryTokens: number | null } | null };

type StudioRunEvent_ModelFallback_Fragment = { __typename: 'ModelFallback', runId: string, seq: number, fromModel: string, toModel: string, fallbackReason: string };

type StudioRunEvent_RunFailed_Fragment = { __typename: 'RunFailed', runId: string, seq: number, code: RunFailureCode, message: string, retryable: boolean };

type StudioRunEvent_RunPaused_Fragment = { __typename: 'RunPaused', runId: string, seq: number, callIds: Array<string>, expiresAt: string };

type StudioRunEvent_RunResumed_Fragment = { __typename: 'RunResumed', runId: string, seq: number };

type StudioRunEvent_RunStarted_Fragment = { __typename: 'RunStarted', runId: string, seq: number, agentId: string, conversationId: string };

type StudioRunEvent_TokenDelta_Fragment = { __typename: 'TokenDelta', runId: string, seq: number, text: string };

type StudioRunEvent_ToolApprovalRequested_Fragment = { __typename: 'ToolApprovalRequested', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown };

type StudioRunEvent_ToolCallCompleted_Fragment = { __typename: 'ToolCallCompleted', runId: string, seq: number, callId: string, result: unknown, isError: boolean, durationMs: number };

type StudioRunEvent_ToolCallDecided_Fragment = { __typename: 'ToolCallDecided', runId: string, seq: number, callId: string, approved: boolean, decisionReason: string | null };

type StudioRunEvent_ToolCallRequested_Fragment = { __typename: 'ToolCallRequested', runId: string, seq: number, callId: string, tool: string, arguments: unknown };

type StudioRunEvent_ToolCallStarted_Fragment = { __typename: 'ToolCallStarted', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown };

export type StudioRunEventFragment =
  | StudioRunEvent_AgentSelected_Fragment
  | StudioRunEvent_AnswerRejected_Fragment
  | StudioRunEvent_DelegationCompleted_Fragment
  | StudioRunEvent_DelegationStarted_Fragment
  | StudioRunEvent_Handoff_Fragment
  | StudioRunEvent_MessageCompleted_Fragment
  | StudioRunEvent_ModelFallback_Fragment
  | StudioRunEvent_RunFailed_Fragment
  | StudioRunEvent_RunPaused_Fragment
  | StudioRunEvent_RunResumed_Fragment
  | StudioRunEvent_RunStarted_Fragment
  | StudioRunEvent_TokenDelta_Fragment
  | StudioRunEvent_ToolApprovalRequested_Fragment
  | StudioRunEvent_ToolCallCompleted_Fragment
  | StudioRunEvent_ToolCallDecided_Fragment
  | StudioRunEvent_ToolCallRequested_Fragment
  | StudioRunEvent_ToolCallStarted_Fragment
;

export type StudioChatStreamSubscriptionVariables = Exact<{
  input: ChatInput;
}>;


export type StudioChatStreamSubscription = { chatStream:
    | { __typename: 'AgentSelected', runId: string, seq: number, agentId: string, strategy: SelectionStrategy, confidence: number, cached: boolean, latencyMs: number, routingReason: string, candidates: Array<{ agentId: string, score: number | null }> }
    | { __typename: 'AnswerRejected', runId: string, seq: number, errors: Array<string> }
    | { __typename: 'DelegationCompleted', runId: string, seq: number, childRunId: string, isError: boolean }
    | { __typename: 'DelegationStarted', runId: string, seq: number, childRunId: string, agentId: string }
    | { __typename: 'Handoff', runId: string, seq: number, fromAgentId: string, toAgentId: string, handoffReason: string | null }
    | { __typename: 'MessageCompleted', runId: string, seq: number, content: string, finishReason: string, usage: { promptTokens: number, completionTokens: number, totalTokens: number, memoryTokens: number | null } | null }
    | { __typename: 'ModelFallback', runId: string, seq: number, fromModel: string, toModel: string, fallbackReason: string }
    | { __typename: 'RunFailed', runId: string, seq: number, code: RunFailureCode, message: string, retryable: boolean }
    | { __typename: 'RunPaused', runId: string, seq: number, callIds: Array<string>, expiresAt: string }
    | { __typename: 'RunResumed', runId: string, seq: number }
    | { __typename: 'RunStarted', runId: string, seq: number, agentId: string, conversationId: string }
    | { __typename: 'TokenDelta', runId: string, seq: number, text: string }
    | { __typename: 'ToolApprovalRequested', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown }
    | { __typename: 'ToolCallCompleted', runId: string, seq: number, callId: string, result: unknown, isError: boolean, durationMs: number }
    | { __typename: 'ToolCallDecided', runId: string, seq: number, callId: string, approved: boolean, decisionReason: string | null }
    | { __typename: 'ToolCallRequested', runId: string, seq: number, callId: string, tool: string, arguments: unknown }
    | { __typename: 'ToolCallStarted', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown }
   };

export type StudioRunEventsSubscriptionVariables = Exact<{
  runId: string;
  after: number;
}>;


export type StudioRunEventsSubscription = { runEvents:
    | { __typename: 'AgentSelected', runId: string, seq: number, agentId: string, strategy: SelectionStrategy, confidence: number, cached: boolean, latencyMs: number, routingReason: string, candidates: Array<{ agentId: string, score: number | null }> }
    | { __typename: 'AnswerRejected', runId: string, seq: number, errors: Array<string> }
    | { __typename: 'DelegationCompleted', runId: string, seq: number, childRunId: string, isError: boolean }
    | { __typename: 'DelegationStarted', runId: string, seq: number, childRunId: string, agentId: string }
    | { __typename: 'Handoff', runId: string, seq: number, fromAgentId: string, toAgentId: string, handoffReason: string | null }
    | { __typename: 'MessageCompleted', runId: string, seq: number, content: string, finishReason: string, usage: { promptTokens: number, completionTokens: number, totalTokens: number, memoryTokens: number | null } | null }
    | { __typename: 'ModelFallback', runId: string, seq: number, fromModel: string, toModel: string, fallbackReason: string }
    | { __typename: 'RunFailed', runId: string, seq: number, code: RunFailureCode, message: string, retryable: boolean }
    | { __typename: 'RunPaused', runId: string, seq: number, callIds: Array<string>, expiresAt: string }
    | { __typename: 'RunResumed', runId: string, seq: number }
    | { __typename: 'RunStarted', runId: string, seq: number, agentId: string, conversationId: string }
    | { __typename: 'TokenDelta', runId: string, seq: number, text: string }
    | { __typename: 'ToolApprovalRequested', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown }
    | { __typename: 'ToolCallCompleted', runId: string, seq: number, callId: string, result: unknown, isError: boolean, durationMs: number }
    | { __typename: 'ToolCallDecided', runId: string, seq: number, callId: string, approved: boolean, decisionReason: string | null }
    | { __typename: 'ToolCallRequested', runId: string, seq: number, callId: string, tool: string, arguments: unknown }
    | { __typename: 'ToolCallStarted', runId: string, seq: number, callId: string, tool: string, serverId: string | null, arguments: unknown }
   };

export type StudioCancelRunMutationVariables = Exact<{
  runId: string;
}>;


export type StudioCancelRunMutation = { cancelRun: boolean };

export type StudioSubmitToolResultsMutationVariables = Exact<{
  runId: string;
  results: Array<ToolResultInput> | ToolResultInput;
}>;


export type StudioSubmitToolResultsMutation = { submitToolResults: { runId: string, status: RunStatus } };

export type StudioApproveToolCallMutationVariables = Exact<{
  runId: string;
  callId: string;
  approved: boolean;
  reason?: string | null | undefined;
}>;


export type StudioApproveToolCallMutation = { approveToolCall: { runId: string, status: RunStatus } };

export type StudioMeQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioMeQuery = { me: { kind: PrincipalKind, userId: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const StudioMcpServerFragmentDoc = new TypedDocumentString(`
    fragment StudioMcpServer on McpServer {
  id
  transport
  url
  command
  args
  status
  error
  connectedAt
  tools {
    name
    functionName
    description
    inputSchema
  }
}
    `, {"fragmentName":"StudioMcpServer"}) as unknown as TypedDocumentString<StudioMcpServerFragment, unknown>;
export const StudioRemoteAgentFragmentDoc = new TypedDocumentString(`
    fragment StudioRemoteAgent on RemoteAgent {
  id
  url
  name
  description
  version
  status
  error
  streaming
  connectedAt
  skills {
    id
    name
    description
  }
}
    `, {"fragmentName":"StudioRemoteAgent"}) as unknown as TypedDocumentString<StudioRemoteAgentFragment, unknown>;
export const StudioLiveRunFragmentDoc = new TypedDocumentString(`
    fragment StudioLiveRun on LiveRun {
  id
  status
  agentId
  userId
  conversationId
  parentRunId
  startedAt
  timeToFirstTokenMs
  tokens
  replicaId
}
    `, {"fragmentName":"StudioLiveRun"}) as unknown as TypedDocumentString<StudioLiveRunFragment, unknown>;
export const StudioRunEventFragmentDoc = new TypedDocumentString(`
    fragment StudioRunEvent on RunEvent {
  __typename
  ... on RunEventFields {
    runId
    seq
  }
  ... on RunStarted {
    agentId
    conversationId
  }
  ... on AgentSelected {
    agentId
    strategy
    confidence
    routingReason: reason
    cached
    latencyMs
    candidates {
      agentId
      score
    }
  }
  ... on TokenDelta {
    text
  }
  ... on ToolCallStarted {
    callId
    tool
    serverId
    arguments
  }
  ... on ToolCallCompleted {
    callId
    result
    isError
    durationMs
  }
  ... on ToolCallRequested {
    callId
    tool
    arguments
  }
  ... on ToolApprovalRequested {
    callId
    tool
    serverId
    arguments
  }
  ... on RunPaused {
    callIds
    expiresAt
  }
  ... on ToolCallDecided {
    callId
    approved
    decisionReason: reason
  }
  ... on DelegationStarted {
    childRunId
    agentId
  }
  ... on DelegationCompleted {
    childRunId
    isError
  }
  ... on Handoff {
    fromAgentId
    toAgentId
    handoffReason: reason
  }
  ... on ModelFallback {
    fromModel
    toModel
    fallbackReason: reason
  }
  ... on AnswerRejected {
    errors
  }
  ... on MessageCompleted {
    content
    finishReason
    usage {
      promptTokens
      completionTokens
      totalTokens
      memoryTokens
    }
  }
  ... on RunFailed {
    code
    message
    retryable
  }
}
    `, {"fragmentName":"StudioRunEvent"}) as unknown as TypedDocumentString<StudioRunEventFragment, unknown>;
export const StudioAgentsDocument = new TypedDocumentString(`
    query StudioAgents {
  agents {
    id
    model
    description
    systemMessage
    temperature
    maxTokens
    tools
    requireApproval
    delegates
    handoffs
    fallbackModels
    isDefault
    userId
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<StudioAgentsQuery, StudioAgentsQueryVariables>;
export const StudioCreateAgentDocument = new TypedDocumentString(`
    mutation StudioCreateAgent($input: CreateAgentInput!) {
  createAgent(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<StudioCreateAgentMutation, StudioCreateAgentMutationVariables>;
export const StudioUpdateAgentDocument = new TypedDocumentString(`
    mutation StudioUpdateAgent($id: ID!, $input: UpdateAgentInput!) {
  updateAgent(id: $id, input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<StudioUpdateAgentMutation, StudioUpdateAgentMutationVariables>;
export const StudioRemoveAgentDocument = new TypedDocumentString(`
    mutation StudioRemoveAgent($id: ID!) {
  removeAgent(id: $id)
}
    `) as unknown as TypedDocumentString<StudioRemoveAgentMutation, StudioRemoveAgentMutationVariables>;
export const StudioSetDefaultAgentDocument = new TypedDocumentString(`
    mutation StudioSetDefaultAgent($id: ID!) {
  setDefaultAgent(id: $id) {
    id
  }
}
    `) as unknown as TypedDocumentString<StudioSetDefaultAgentMutation, StudioSetDefaultAgentMutationVariables>;
export const StudioSelectAgentDocument = new TypedDocumentString(`
    query StudioSelectAgent($message: String!) {
  selectAgent(message: $message) {
    agentId
    strategy
    confidence
    reason
    cached
    latencyMs
    candidates {
      agentId
      score
    }
  }
}
    `) as unknown as TypedDocumentString<StudioSelectAgentQuery, StudioSelectAgentQueryVariables>;
export const StudioConversationsDocument = new TypedDocumentString(`
    query StudioConversations($userId: ID, $after: String) {
  conversations(userId: $userId, first: 20, after: $after) {
    edges {
      node {
        id
        title
        userId
        updatedAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<StudioConversationsQuery, StudioConversationsQueryVariables>;
export const StudioConversationDocument = new TypedDocumentString(`
    query StudioConversation($id: ID!, $userId: ID) {
  conversation(id: $id, userId: $userId) {
    id
    title
    userId
    createdAt
    messages {
      id
      role
      content
      status
      agentId
      runId
      createdAt
      errorCode
      finishReason
      usage {
        promptTokens
        completionTokens
        totalTokens
      }
      routing {
        agentId
        strategy
        confidence
      }
      toolCalls {
        callId
        tool
        serverId
        arguments
        result
        isError
        durationMs
        round
        executedBy
        approval {
          approved
          reason
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<StudioConversationQuery, StudioConversationQueryVariables>;
export const StudioMcpServersDocument = new TypedDocumentString(`
    query StudioMcpServers {
  mcpServers {
    ...StudioMcpServer
  }
}
    fragment StudioMcpServer on McpServer {
  id
  transport
  url
  command
  args
  status
  error
  connectedAt
  tools {
    name
    functionName
    description
    inputSchema
  }
}`) as unknown as TypedDocumentString<StudioMcpServersQuery, StudioMcpServersQueryVariables>;
export const StudioMcpServerChangedDocument = new TypedDocumentString(`
    subscription StudioMcpServerChanged {
  mcpServerChanged {
    ...StudioMcpServer
  }
}
    fragment StudioMcpServer on McpServer {
  id
  transport
  url
  command
  args
  status
  error
  connectedAt
  tools {
    name
    functionName
    description
    inputSchema
  }
}`) as unknown as TypedDocumentString<StudioMcpServerChangedSubscription, StudioMcpServerChangedSubscriptionVariables>;
export const StudioRemoteAgentsDocument = new TypedDocumentString(`
    query StudioRemoteAgents {
  remoteAgents {
    ...StudioRemoteAgent
  }
}
    fragment StudioRemoteAgent on RemoteAgent {
  id
  url
  name
  description
  version
  status
  error
  streaming
  connectedAt
  skills {
    id
    name
    description
  }
}`) as unknown as TypedDocumentString<StudioRemoteAgentsQuery, StudioRemoteAgentsQueryVariables>;
export const StudioRemoteAgentChangedDocument = new TypedDocumentString(`
    subscription StudioRemoteAgentChanged {
  remoteAgentChanged {
    ...StudioRemoteAgent
  }
}
    fragment StudioRemoteAgent on RemoteAgent {
  id
  url
  name
  description
  version
  status
  error
  streaming
  connectedAt
  skills {
    id
    name
    description
  }
}`) as unknown as TypedDocumentString<StudioRemoteAgentChangedSubscription, StudioRemoteAgentChangedSubscriptionVariables>;
export const StudioExecuteMcpToolDocument = new TypedDocumentString(`
    mutation StudioExecuteMcpTool($serverId: ID!, $toolName: String!, $arguments: JSON) {
  executeMcpTool(serverId: $serverId, toolName: $toolName, arguments: $arguments) {
    isError
    text
    content
    structuredContent
  }
}
    `) as unknown as TypedDocumentString<StudioExecuteMcpToolMutation, StudioExecuteMcpToolMutationVariables>;
export const StudioRegisterMcpServerDocument = new TypedDocumentString(`
    mutation StudioRegisterMcpServer($input: RegisterMcpServerInput!) {
  registerMcpServer(input: $input) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<StudioRegisterMcpServerMutation, StudioRegisterMcpServerMutationVariables>;
export const StudioRemoveMcpServerDocument = new TypedDocumentString(`
    mutation StudioRemoveMcpServer($id: ID!) {
  removeMcpServer(id: $id)
}
    `) as unknown as TypedDocumentString<StudioRemoveMcpServerMutation, StudioRemoveMcpServerMutationVariables>;
export const StudioReconnectMcpServerDocument = new TypedDocumentString(`
    mutation StudioReconnectMcpServer($id: ID!) {
  reconnectMcpServer(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<StudioReconnectMcpServerMutation, StudioReconnectMcpServerMutationVariables>;
export const StudioRegisterRemoteAgentDocument = new TypedDocumentString(`
    mutation StudioRegisterRemoteAgent($input: RegisterRemoteAgentInput!) {
  registerRemoteAgent(input: $input) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<StudioRegisterRemoteAgentMutation, StudioRegisterRemoteAgentMutationVariables>;
export const StudioRemoveRemoteAgentDocument = new TypedDocumentString(`
    mutation StudioRemoveRemoteAgent($id: ID!) {
  removeRemoteAgent(id: $id)
}
    `) as unknown as TypedDocumentString<StudioRemoveRemoteAgentMutation, StudioRemoveRemoteAgentMutationVariables>;
export const StudioSearchMemoryDocument = new TypedDocumentString(`
    query StudioSearchMemory($query: String!, $userId: ID, $useLongTerm: Boolean) {
  searchMemory(query: $query, userId: $userId, k: 20, useLongTerm: $useLongTerm) {
    id
    source
    content
    score
    matchedBy
    conversationId
    role
    agentId
    createdAt
  }
}
    `) as unknown as TypedDocumentString<StudioSearchMemoryQuery, StudioSearchMemoryQueryVariables>;
export const StudioMemoriesDocument = new TypedDocumentString(`
    query StudioMemories($userId: ID, $includeSuperseded: Boolean) {
  memories(userId: $userId, first: 50, includeSuperseded: $includeSuperseded) {
    edges {
      node {
        id
        content
        factKey
        source
        confidence
        importance
        agentId
        userId
        embedded
        validUntil
        supersededBy
        createdAt
        updatedAt
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}
    `) as unknown as TypedDocumentString<StudioMemoriesQuery, StudioMemoriesQueryVariables>;
export const StudioUserContextDocument = new TypedDocumentString(`
    query StudioUserContext($userId: ID) {
  userContext(userId: $userId) {
    userId
    knowledge
    facts {
      path
      key
      value
      confidence
      importance
      source
      updatedAt
    }
  }
}
    `) as unknown as TypedDocumentString<StudioUserContextQuery, StudioUserContextQueryVariables>;
export const StudioUpdateMemoryDocument = new TypedDocumentString(`
    mutation StudioUpdateMemory($input: UpdateMemoryInput!, $userId: ID) {
  updateMemory(input: $input, userId: $userId) {
    id
    content
  }
}
    `) as unknown as TypedDocumentString<StudioUpdateMemoryMutation, StudioUpdateMemoryMutationVariables>;
export const StudioDeleteMemoryDocument = new TypedDocumentString(`
    mutation StudioDeleteMemory($id: ID!, $userId: ID) {
  deleteMemory(id: $id, userId: $userId)
}
    `) as unknown as TypedDocumentString<StudioDeleteMemoryMutation, StudioDeleteMemoryMutationVariables>;
export const StudioDeleteUserContextFactDocument = new TypedDocumentString(`
    mutation StudioDeleteUserContextFact($path: [String!]!, $userId: ID) {
  deleteUserContextFact(path: $path, userId: $userId)
}
    `) as unknown as TypedDocumentString<StudioDeleteUserContextFactMutation, StudioDeleteUserContextFactMutationVariables>;
export const StudioForgetUserDocument = new TypedDocumentString(`
    mutation StudioForgetUser($userId: ID!) {
  forgetUser(userId: $userId) {
    conversations
    messages
    memories
    userContextFacts
    agents
    apiKeys
    runs
    cachedAnswers
    routingDecisions
    files
  }
}
    `) as unknown as TypedDocumentString<StudioForgetUserMutation, StudioForgetUserMutationVariables>;
export const StudioMetricsDocument = new TypedDocumentString(`
    query StudioMetrics($windowSeconds: Int) {
  metrics(windowSeconds: $windowSeconds) {
    replicaId
    intervalSeconds
    points {
      at
      seconds
      runsStartedPerSecond
      runsActive
      firstTokenP50Ms
      firstTokenP95Ms
      inputTokensPerSecond
      outputTokensPerSecond
      failures {
        code
        count
      }
      subscriptionsActive
    }
  }
}
    `) as unknown as TypedDocumentString<StudioMetricsQuery, StudioMetricsQueryVariables>;
export const StudioRunsDocument = new TypedDocumentString(`
    query StudioRuns($userId: ID) {
  runs(userId: $userId) {
    ...StudioLiveRun
  }
}
    fragment StudioLiveRun on LiveRun {
  id
  status
  agentId
  userId
  conversationId
  parentRunId
  startedAt
  timeToFirstTokenMs
  tokens
  replicaId
}`) as unknown as TypedDocumentString<StudioRunsQuery, StudioRunsQueryVariables>;
export const StudioRunsChangedDocument = new TypedDocumentString(`
    subscription StudioRunsChanged($userId: ID) {
  runsChanged(userId: $userId) {
    kind
    run {
      ...StudioLiveRun
    }
  }
}
    fragment StudioLiveRun on LiveRun {
  id
  status
  agentId
  userId
  conversationId
  parentRunId
  startedAt
  timeToFirstTokenMs
  tokens
  replicaId
}`) as unknown as TypedDocumentString<StudioRunsChangedSubscription, StudioRunsChangedSubscriptionVariables>;
export const StudioRunTimelineDocument = new TypedDocumentString(`
    subscription StudioRunTimeline($runId: ID!, $after: Int!, $userId: ID) {
  runEvents(runId: $runId, after: $after, userId: $userId) {
    ...StudioRunEvent
  }
}
    fragment StudioRunEvent on RunEvent {
  __typename
  ... on RunEventFields {
    runId
    seq
  }
  ... on RunStarted {
    agentId
    conversationId
  }
  ... on AgentSelected {
    agentId
    strategy
    confidence
    routingReason: reason
    cached
    latencyMs
    candidates {
      agentId
      score
    }
  }
  ... on TokenDelta {
    text
  }
  ... on ToolCallStarted {
    callId
    tool
    serverId
    arguments
  }
  ... on ToolCallCompleted {
    callId
    result
    isError
    durationMs
  }
  ... on ToolCallRequested {
    callId
    tool
    arguments
  }
  ... on ToolApprovalRequested {
    callId
    tool
    serverId
    arguments
  }
  ... on RunPaused {
    callIds
    expiresAt
  }
  ... on ToolCallDecided {
    callId
    approved
    decisionReason: reason
  }
  ... on DelegationStarted {
    childRunId
    agentId
  }
  ... on DelegationCompleted {
    childRunId
    isError
  }
  ... on Handoff {
    fromAgentId
    toAgentId
    handoffReason: reason
  }
  ... on ModelFallback {
    fromModel
    toModel
    fallbackReason: reason
  }
  ... on AnswerRejected {
    errors
  }
  ... on MessageCompleted {
    content
    finishReason
    usage {
      promptTokens
      completionTokens
      totalTokens
      memoryTokens
    }
  }
  ... on RunFailed {
    code
    message
    retryable
  }
}`) as unknown as TypedDocumentString<StudioRunTimelineSubscription, StudioRunTimelineSubscriptionVariables>;
export const StudioUsageDocument = new TypedDocumentString(`
    query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {
  overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {
    from
    to
    totals {
      calls
      inputTokens
      outputTokens
      cachedTokens
      reasoningTokens
      totalTokens
      costUsd
      unpricedCalls
    }
    groups {
      bucketStart
      calls
      totalTokens
      costUsd
    }
    unpricedModels
  }
  byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {
    groups {
      userId
      calls
      inputTokens
      outputTokens
      totalTokens
      costUsd
      unpricedCalls
    }
  }
  byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {
    groups {
      keyId
      calls
      inputTokens
      outputTokens
      totalTokens
      costUsd
      unpricedCalls
    }
  }
  byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {
    groups {
      agentId
      calls
      inputTokens
      outputTokens
      totalTokens
      costUsd
      unpricedCalls
    }
  }
  byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {
    groups {
      model
      calls
      inputTokens
      outputTokens
      totalTokens
      costUsd
      unpricedCalls
    }
  }
}
    `) as unknown as TypedDocumentString<StudioUsageQuery, StudioUsageQueryVariables>;
export const StudioKeyLabelsDocument = new TypedDocumentString(`
    query StudioKeyLabels {
  apiKeys {
    id
    label
    userId
  }
}
    `) as unknown as TypedDocumentString<StudioKeyLabelsQuery, StudioKeyLabelsQueryVariables>;
export const StudioBudgetsDocument = new TypedDocumentString(`
    query StudioBudgets {
  budgets {
    id
    scope
    keyId
    userId
    metric
    period
    limit
    spent
    remaining
    resetsAt
    hard
    exceeded
  }
}
    `) as unknown as TypedDocumentString<StudioBudgetsQuery, StudioBudgetsQueryVariables>;
export const StudioChatStreamDocument = new TypedDocumentString(`
    subscription StudioChatStream($input: ChatInput!) {
  chatStream(input: $input) {
    ...StudioRunEvent
  }
}
    fragment StudioRunEvent on RunEvent {
  __typename
  ... on RunEventFields {
    runId
    seq
  }
  ... on RunStarted {
    agentId
    conversationId
  }
  ... on AgentSelected {
    agentId
    strategy
    confidence
    routingReason: reason
    cached
    latencyMs
    candidates {
      agentId
      score
    }
  }
  ... on TokenDelta {
    text
  }
  ... on ToolCallStarted {
    callId
    tool
    serverId
    arguments
  }
  ... on ToolCallCompleted {
    callId
    result
    isError
    durationMs
  }
  ... on ToolCallRequested {
    callId
    tool
    arguments
  }
  ... on ToolApprovalRequested {
    callId
    tool
    serverId
    arguments
  }
  ... on RunPaused {
    callIds
    expiresAt
  }
  ... on ToolCallDecided {
    callId
    approved
    decisionReason: reason
  }
  ... on DelegationStarted {
    childRunId
    agentId
  }
  ... on DelegationCompleted {
    childRunId
    isError
  }
  ... on Handoff {
    fromAgentId
    toAgentId
    handoffReason: reason
  }
  ... on ModelFallback {
    fromModel
    toModel
    fallbackReason: reason
  }
  ... on AnswerRejected {
    errors
  }
  ... on MessageCompleted {
    content
    finishReason
    usage {
      promptTokens
      completionTokens
      totalTokens
      memoryTokens
    }
  }
  ... on RunFailed {
    code
    message
    retryable
  }
}`) as unknown as TypedDocumentString<StudioChatStreamSubscription, StudioChatStreamSubscriptionVariables>;
export const StudioRunEventsDocument = new TypedDocumentString(`
    subscription StudioRunEvents($runId: ID!, $after: Int!) {
  runEvents(runId: $runId, after: $after) {
    ...StudioRunEvent
  }
}
    fragment StudioRunEvent on RunEvent {
  __typename
  ... on RunEventFields {
    runId
    seq
  }
  ... on RunStarted {
    agentId
    conversationId
  }
  ... on AgentSelected {
    agentId
    strategy
    confidence
    routingReason: reason
    cached
    latencyMs
    candidates {
      agentId
      score
    }
  }
  ... on TokenDelta {
    text
  }
  ... on ToolCallStarted {
    callId
    tool
    serverId
    arguments
  }
  ... on ToolCallCompleted {
    callId
    result
    isError
    durationMs
  }
  ... on ToolCallRequested {
    callId
    tool
    arguments
  }
  ... on ToolApprovalRequested {
    callId
    tool
    serverId
    arguments
  }
  ... on RunPaused {
    callIds
    expiresAt
  }
  ... on ToolCallDecided {
    callId
    approved
    decisionReason: reason
  }
  ... on DelegationStarted {
    childRunId
    agentId
  }
  ... on DelegationCompleted {
    childRunId
    isError
  }
  ... on Handoff {
    fromAgentId
    toAgentId
    handoffReason: reason
  }
  ... on ModelFallback {
    fromModel
    toModel
    fallbackReason: reason
  }
  ... on AnswerRejected {
    errors
  }
  ... on MessageCompleted {
    content
    finishReason
    usage {
      promptTokens
      completionTokens
      totalTokens
      memoryTokens
    }
  }
  ... on RunFailed {
    code
    message
    retryable
  }
}`) as unknown as TypedDocumentString<StudioRunEventsSubscription, StudioRunEventsSubscriptionVariables>;
export const StudioCancelRunDocument = new TypedDocumentString(`
    mutation StudioCancelRun($runId: ID!) {
  cancelRun(runId: $runId)
}
    `) as unknown as TypedDocumentString<StudioCancelRunMutation, StudioCancelRunMutationVariables>;
export const StudioSubmitToolResultsDocument = new TypedDocumentString(`
    mutation StudioSubmitToolResults($runId: ID!, $results: [ToolResultInput!]!) {
  submitToolResults(runId: $runId, results: $results) {
    runId
    status
  }
}
    `) as unknown as TypedDocumentString<StudioSubmitToolResultsMutation, StudioSubmitToolResultsMutationVariables>;
export const StudioApproveToolCallDocument = new TypedDocumentString(`
    mutation StudioApproveToolCall($runId: ID!, $callId: ID!, $approved: Boolean!, $reason: String) {
  approveToolCall(
    runId: $runId
    callId: $callId
    approved: $approved
    reason: $reason
  ) {
    runId
    status
  }
}
    `) as unknown as TypedDocumentString<StudioApproveToolCallMutation, StudioApproveToolCallMutationVariables>;
export const StudioMeDocument = new TypedDocumentString(`
    query StudioMe {
  me {
    kind
    userId
  }
}
    `) as unknown as TypedDocumentString<StudioMeQuery, StudioMeQueryVariables>;