/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
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

/** What kind of caller the credentials make. */
export type PrincipalKind =
  /** An admin API key. */
  | 'ADMIN'
  /** No credentials (allowed only when the gateway is open to anonymous callers). */
  | 'ANONYMOUS'
  /** A JWT or a user API key. */
  | 'USER';

/** A structured answer: the model is asked for JSON matching `schema` (OpenAI’s json_schema response format), the answer is checked (ajv) and delivered parsed in MessageCompleted.json. An answer that does not match is retried once with the errors (AnswerRejected), then the run fails with INVALID_OUTPUT. */
export type ResponseFormatInput = {
  /** The format’s name, as the model sees it: 1-64 of a-z, A-Z, 0-9, "_", "-". Defaults to "answer". */
  name?: string | null | undefined;
  /** A JSON Schema (2020-12; draft-07 schemas read the same) the answer must match; one that does not compile is BAD_USER_INPUT. At most 64 KB. */
  schema: unknown;
  /** OpenAI’s strict mode. Left out: strict when the schema meets strict mode’s rules (an object root, every object closed with additionalProperties: false and all its properties required), else not; the gateway’s own check applies either way. */
  strict?: boolean | null | undefined;
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
export const StudioMeDocument = new TypedDocumentString(`
    query StudioMe {
  me {
    kind
    userId
  }
}
    `) as unknown as TypedDocumentString<StudioMeQuery, StudioMeQueryVariables>;