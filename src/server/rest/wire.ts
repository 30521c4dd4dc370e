import type { Agent } from '../../core/agents/agent.js';
import type { IssuedToken } from '../../core/auth/tokens.js';
import type { Conversation, Message } from '../../core/conversations/conversation.js';
import { filePath } from '../../core/images/image-part.js';
import type { McpServerView, McpTool } from '../../core/mcp/mcp-server.js';
import { type McpToolCallResult, textBlocks } from '../../core/mcp/tool-result.js';
import type { Memory, MemoryHit, MemoryReceipt } from '../../core/memory/memory.js';
import type { UserContext } from '../../core/memory/user-contexts.js';
import type { TokenUsage } from '../../core/models/chat-model.js';
import type { RemoteAgentView } from '../../core/remote-agents/remote-agent.js';
import type { RoutingDecision } from '../../core/routing/routing-decision.js';
import type { ChatAnswer } from '../../core/runs/await-answer.js';
import { type PendingToolCall, pendingToolCalls } from '../../core/runs/paused-step.js';
import type { RunEvent } from '../../core/runs/run-event.js';

/**
 * The REST shim's JSON: the core's objects with snake_case names, as the reference API has them.
 * Each mapper names its fields, so values a caller supplied (metadata, knowledge, tool arguments)
 * pass through untouched rather than being renamed with the rest.
 */

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export const usageJson = (usage: TokenUsage | null | undefined) =>
  usage
    ? { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens, memory_tokens: usage.memoryTokens ?? null }
    : null;

export const routingJson = (routing: RoutingDecision | null | undefined) =>
  routing
    ? {
        agent_id: routing.agentId,
        strategy: routing.strategy,
        confidence: routing.confidence,
        reason: routing.reason,
        cached: routing.cached,
        latency_ms: routing.latencyMs,
        candidates: routing.candidates.map((candidate) => ({ agent_id: candidate.agentId, score: candidate.score })),
      }
    : null;

export const agentJson = (agent: Agent) => ({
  agent_id: agent.id,
  description: agent.description,
  system_message: agent.systemMessage,
  model: agent.model,
  temperature: agent.temperature,
  max_tokens: agent.maxTokens,
  tools: agent.tools,
  fallback_models: agent.fallbackModels,
  response_format: agent.responseFormat,
  require_approval: agent.requireApproval,
  a2a: agent.a2a,
  delegates: agent.delegates,
  handoffs: agent.handoffs,
  is_default: agent.isDefault,
  user_id: agent.userId,
  created_at: iso(agent.createdAt),
  updated_at: iso(agent.updatedAt),
});

/** A call a paused run waits for: `arguments` parsed (the raw text when the model's was not JSON). */
export const pendingToolCallJson = (call: PendingToolCall) => ({
  call_id: call.callId,
  kind: call.kind,
  tool: call.tool,
  server_id: call.serverId,
  arguments: call.arguments,
});

/** A chat's answer, or a run's as it stands: `status` is the run's (WAITING with the calls it waits for), not the message's. */
export const chatJson = (answer: ChatAnswer) => ({
  agent_id: answer.agentId,
  conversation_id: answer.conversationId,
  message_id: answer.message.id,
  run_id: answer.runId,
  response: answer.message.content,
  usage: usageJson(answer.usage),
  routing: routingJson(answer.message.routing),
  status: answer.status,
  pending_tool_calls: answer.pendingToolCalls.map(pendingToolCallJson),
  finish_reason: answer.message.finishReason,
  json: answer.json ?? null,
});

/** One run event as an SSE `data:` line carries it. */
export function eventJson(event: RunEvent): Record<string, unknown> {
  const base = { type: event.type, run_id: event.runId, seq: event.seq };
  switch (event.type) {
    case 'RunStarted':
      return { ...base, conversation_id: event.conversationId, agent_id: event.agentId };
    case 'AgentSelected':
      return { ...base, ...routingJson(event) };
    case 'ModelFallback':
      return { ...base, from_model: event.fromModel, to_model: event.toModel, reason: event.reason };
    case 'TokenDelta':
      return { ...base, text: event.text, index: event.index };
    case 'ToolCallStarted':
      return { ...base, call_id: event.callId, server_id: event.serverId, tool: event.tool, arguments: event.arguments };
    case 'ToolCallCompleted':
      return { ...base, call_id: event.callId, result: event.result, is_error: event.isError, duration_ms: event.durationMs };
    case 'ToolCallRequested':
    case 'ToolApprovalRequested':
      return { ...base, call_id: event.callId, server_id: event.serverId, tool: event.tool, arguments: event.arguments };
    case 'ToolCallDecided':
      return { ...base, call_id: event.callId, approved: event.approved, reason: event.reason, decided_by: event.decidedBy };
    case 'RunPaused':
      return { ...base, call_ids: event.callIds, expires_at: event.expiresAt };
    case 'RunResumed':
      return base;
    case 'AnswerRejected':
      return { ...base, errors: event.errors };
    case 'DelegationStarted':
      return { ...base, parent_run_id: event.parentRunId, child_run_id: event.childRunId, agent_id: event.agentId };
    case 'DelegationCompleted':
      return { ...base, child_run_id: event.childRunId, is_error: event.isError };
    case 'Handoff':
      return { ...base, from_agent_id: event.fromAgentId, to_agent_id: event.toAgentId, reason: event.reason };
    case 'MessageCompleted':
      return { ...base, message_id: event.messageId, content: event.content, finish_reason: event.finishReason, usage: usageJson(event.usage), json: event.json ?? null };
    case 'RunFailed':
      return { ...base, code: event.code, message: event.message, retryable: event.retryable, partial_message_id: event.partialMessageId };
  }
}

export const conversationJson = (conversation: Conversation) => ({
  conversation_id: conversation.id,
  user_id: conversation.userId,
  title: conversation.title,
  created_at: iso(conversation.createdAt),
  updated_at: iso(conversation.updatedAt),
});

export const messageJson = (message: Message) => ({
  message_id: message.id,
  conversation_id: message.conversationId,
  role: message.role,
  content: message.content,
  status: message.status,
  agent_id: message.agentId,
  run_id: message.runId,
  finish_reason: message.finishReason,
  error_code: message.errorCode,
  usage: usageJson(message.usage),
  metadata: message.metadata ?? null,
  routing: routingJson(message.routing),
  pending_tool_calls: pendingToolCalls(message).map(pendingToolCallJson),
  parts: partsJson(message),
  created_at: iso(message.createdAt),
});

const NO_IMAGE = { url: null, file_id: null, media_type: null, byte_size: null, width: null, height: null, filename: null, detail: null };

/** A message as parts (text, then images), every field of each part present. */
const partsJson = (message: Message) => [
  ...(message.content || message.images.length === 0 ? [{ type: 'text' as const, text: message.content, ...NO_IMAGE }] : []),
  ...message.images.map((image) => ({
    type: 'image' as const,
    text: null,
    url: image.fileId ? filePath(image.fileId) : image.url,
    file_id: image.fileId,
    media_type: image.mediaType,
    byte_size: image.byteSize,
    width: image.width,
    height: image.height,
    filename: image.filename,
    detail: image.detail,
  })),
];

export const memoryJson = (memory: Memory) => ({
  memory_id: memory.id,
  user_id: memory.userId,
  agent_id: memory.agentId,
  content: memory.content,
  metadata: memory.metadata,
  importance: memory.importance,
  source: memory.source,
  source_message_id: memory.sourceMessageId,
  confidence: memory.confidence,
  fact_key: memory.factKey,
  valid_until: iso(memory.validUntil),
  superseded_by: memory.supersededBy,
  created_at: iso(memory.createdAt),
  updated_at: iso(memory.updatedAt),
});

export const memoryHitJson = (hit: MemoryHit) => ({
  id: hit.id,
  source: hit.source,
  content: hit.content,
  score: hit.score,
  metadata: hit.metadata,
  created_at: iso(hit.createdAt),
  conversation_id: hit.conversationId ?? null,
  role: hit.role ?? null,
  agent_id: hit.agentId ?? null,
});

export const userContextJson = (context: UserContext) => ({
  user_id: context.userId,
  knowledge: context.knowledge,
  facts: context.facts.map((fact) => ({
    path: fact.path,
    value: fact.value,
    importance: fact.importance,
    source: fact.source,
    confidence: fact.confidence,
    source_message_id: fact.sourceMessageId,
    updated_at: iso(fact.updatedAt),
  })),
});

export const receiptJson = (receipt: MemoryReceipt) => ({
  conversations: receipt.conversations,
  messages: receipt.messages,
  files: receipt.files,
  memories: receipt.memories,
  user_context_facts: receipt.userContextFacts,
  agents: receipt.agents,
  api_keys: receipt.apiKeys,
  runs: receipt.runs,
  cached_answers: receipt.cachedAnswers,
  routing_decisions: receipt.routingDecisions,
});

export const mcpToolJson = (tool: McpTool) => ({
  server_id: tool.serverId,
  name: tool.name,
  description: tool.description,
  input_schema: tool.inputSchema,
  function_name: tool.functionName,
});

export const mcpServerJson = (server: McpServerView) => ({
  server_id: server.id,
  transport: server.transport,
  url: server.url,
  command: server.command,
  args: server.args,
  header_names: server.headerNames,
  env_names: server.envNames,
  status: server.status,
  error: server.error,
  connected_at: iso(server.connectedAt),
  tools: server.tools.map(mcpToolJson),
});

export const remoteAgentJson = (agent: RemoteAgentView) => ({
  agent_id: agent.id,
  url: agent.url,
  header_names: agent.headerNames,
  status: agent.status,
  error: agent.error,
  connected_at: iso(agent.connectedAt),
  name: agent.name,
  description: agent.description,
  version: agent.version,
  skills: agent.skills,
  streaming: agent.streaming,
});

export const mcpToolResultJson = (result: McpToolCallResult) => ({
  content: result.content,
  text: textBlocks(result),
  structured_content: result.structuredContent ?? null,
  is_error: result.isError,
});

/** The reference's token response; `token_id` (the JWT's jti) is what revokeToken takes. */
export const tokenJson = (token: IssuedToken) => ({
  access_token: token.accessToken,
  token_type: 'bearer' as const,
  expires_in: token.expiresIn,
  expires_at: iso(token.expiresAt),
  token_id: token.id,
});
