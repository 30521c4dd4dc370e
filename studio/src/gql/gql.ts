/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query StudioAgents {\n    agents {\n      id\n      model\n      description\n      systemMessage\n      temperature\n      maxTokens\n      tools\n      requireApproval\n      delegates\n      handoffs\n      fallbackModels\n      isDefault\n      userId\n      updatedAt\n    }\n  }\n": typeof types.StudioAgentsDocument,
    "\n  mutation StudioCreateAgent($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      id\n    }\n  }\n": typeof types.StudioCreateAgentDocument,
    "\n  mutation StudioUpdateAgent($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      id\n    }\n  }\n": typeof types.StudioUpdateAgentDocument,
    "\n  mutation StudioRemoveAgent($id: ID!) {\n    removeAgent(id: $id)\n  }\n": typeof types.StudioRemoveAgentDocument,
    "\n  mutation StudioSetDefaultAgent($id: ID!) {\n    setDefaultAgent(id: $id) {\n      id\n    }\n  }\n": typeof types.StudioSetDefaultAgentDocument,
    "\n  query StudioSelectAgent($message: String!) {\n    selectAgent(message: $message) {\n      agentId\n      strategy\n      confidence\n      reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n  }\n": typeof types.StudioSelectAgentDocument,
    "\n  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {\n    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {\n      from\n      to\n      totals {\n        calls\n        inputTokens\n        outputTokens\n        cachedTokens\n        reasoningTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n      groups {\n        bucketStart\n        calls\n        totalTokens\n        costUsd\n      }\n      unpricedModels\n    }\n    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {\n      groups {\n        userId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {\n      groups {\n        keyId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {\n      groups {\n        agentId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {\n      groups {\n        model\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n  }\n": typeof types.StudioUsageDocument,
    "\n  query StudioQueryFields {\n    __type(name: \"Query\") {\n      fields {\n        name\n      }\n    }\n  }\n": typeof types.StudioQueryFieldsDocument,
    "\n  query StudioKeyLabels {\n    apiKeys {\n      id\n      label\n      userId\n    }\n  }\n": typeof types.StudioKeyLabelsDocument,
    "\n  fragment StudioRunEvent on RunEvent {\n    __typename\n    ... on RunEventFields {\n      runId\n      seq\n    }\n    ... on RunStarted {\n      agentId\n      conversationId\n    }\n    ... on AgentSelected {\n      agentId\n      strategy\n      confidence\n      routingReason: reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n    ... on TokenDelta {\n      text\n    }\n    ... on ToolCallStarted {\n      callId\n      tool\n      serverId\n      arguments\n    }\n    ... on ToolCallCompleted {\n      callId\n      result\n      isError\n      durationMs\n    }\n    ... on ToolCallRequested {\n      callId\n      tool\n      arguments\n    }\n    ... on ToolApprovalRequested {\n      callId\n      tool\n      serverId\n      arguments\n    }\n    ... on RunPaused {\n      callIds\n      expiresAt\n    }\n    ... on ToolCallDecided {\n      callId\n      approved\n      decisionReason: reason\n    }\n    ... on DelegationStarted {\n      childRunId\n      agentId\n    }\n    ... on DelegationCompleted {\n      childRunId\n      isError\n    }\n    ... on Handoff {\n      fromAgentId\n      toAgentId\n      handoffReason: reason\n    }\n    ... on ModelFallback {\n      fromModel\n      toModel\n      fallbackReason: reason\n    }\n    ... on AnswerRejected {\n      errors\n    }\n    ... on MessageCompleted {\n      content\n      finishReason\n      usage {\n        promptTokens\n        completionTokens\n        totalTokens\n        memoryTokens\n      }\n    }\n    ... on RunFailed {\n      code\n      message\n      retryable\n    }\n  }\n": typeof types.StudioRunEventFragmentDoc,
    "\n  subscription StudioChatStream($input: ChatInput!) {\n    chatStream(input: $input) {\n      ...StudioRunEvent\n    }\n  }\n": typeof types.StudioChatStreamDocument,
    "\n  subscription StudioRunEvents($runId: ID!, $after: Int!) {\n    runEvents(runId: $runId, after: $after) {\n      ...StudioRunEvent\n    }\n  }\n": typeof types.StudioRunEventsDocument,
    "\n  mutation StudioCancelRun($runId: ID!) {\n    cancelRun(runId: $runId)\n  }\n": typeof types.StudioCancelRunDocument,
    "\n  mutation StudioSubmitToolResults($runId: ID!, $results: [ToolResultInput!]!) {\n    submitToolResults(runId: $runId, results: $results) {\n      runId\n      status\n    }\n  }\n": typeof types.StudioSubmitToolResultsDocument,
    "\n  mutation StudioApproveToolCall($runId: ID!, $callId: ID!, $approved: Boolean!, $reason: String) {\n    approveToolCall(runId: $runId, callId: $callId, approved: $approved, reason: $reason) {\n      runId\n      status\n    }\n  }\n": typeof types.StudioApproveToolCallDocument,
    "\n  query StudioMe {\n    me {\n      kind\n      userId\n    }\n  }\n": typeof types.StudioMeDocument,
};
const documents: Documents = {
    "\n  query StudioAgents {\n    agents {\n      id\n      model\n      description\n      systemMessage\n      temperature\n      maxTokens\n      tools\n      requireApproval\n      delegates\n      handoffs\n      fallbackModels\n      isDefault\n      userId\n      updatedAt\n    }\n  }\n": types.StudioAgentsDocument,
    "\n  mutation StudioCreateAgent($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      id\n    }\n  }\n": types.StudioCreateAgentDocument,
    "\n  mutation StudioUpdateAgent($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      id\n    }\n  }\n": types.StudioUpdateAgentDocument,
    "\n  mutation StudioRemoveAgent($id: ID!) {\n    removeAgent(id: $id)\n  }\n": types.StudioRemoveAgentDocument,
    "\n  mutation StudioSetDefaultAgent($id: ID!) {\n    setDefaultAgent(id: $id) {\n      id\n    }\n  }\n": types.StudioSetDefaultAgentDocument,
    "\n  query StudioSelectAgent($message: String!) {\n    selectAgent(message: $message) {\n      agentId\n      strategy\n      confidence\n      reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n  }\n": types.StudioSelectAgentDocument,
    "\n  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {\n    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {\n      from\n      to\n      totals {\n        calls\n        inputTokens\n        outputTokens\n        cachedTokens\n        reasoningTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n      groups {\n        bucketStart\n        calls\n        totalTokens\n        costUsd\n      }\n      unpricedModels\n    }\n    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {\n      groups {\n        userId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {\n      groups {\n        keyId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {\n      groups {\n        agentId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {\n      groups {\n        model\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n  }\n": types.StudioUsageDocument,
    "\n  query StudioQueryFields {\n    __type(name: \"Query\") {\n      fields {\n        name\n      }\n    }\n  }\n": types.StudioQueryFieldsDocument,
    "\n  query StudioKeyLabels {\n    apiKeys {\n      id\n      label\n      userId\n    }\n  }\n": types.StudioKeyLabelsDocument,
    "\n  fragment StudioRunEvent on RunEvent {\n    __typename\n    ... on RunEventFields {\n      runId\n      seq\n    }\n    ... on RunStarted {\n      agentId\n      conversationId\n    }\n    ... on AgentSelected {\n      agentId\n      strategy\n      confidence\n      routingReason: reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n    ... on TokenDelta {\n      text\n    }\n    ... on ToolCallStarted {\n      callId\n      tool\n      serverId\n      arguments\n    }\n    ... on ToolCallCompleted {\n      callId\n      result\n      isError\n      durationMs\n    }\n    ... on ToolCallRequested {\n      callId\n      tool\n      arguments\n    }\n    ... on ToolApprovalRequested {\n      callId\n      tool\n      serverId\n      arguments\n    }\n    ... on RunPaused {\n      callIds\n      expiresAt\n    }\n    ... on ToolCallDecided {\n      callId\n      approved\n      decisionReason: reason\n    }\n    ... on DelegationStarted {\n      childRunId\n      agentId\n    }\n    ... on DelegationCompleted {\n      childRunId\n      isError\n    }\n    ... on Handoff {\n      fromAgentId\n      toAgentId\n      handoffReason: reason\n    }\n    ... on ModelFallback {\n      fromModel\n      toModel\n      fallbackReason: reason\n    }\n    ... on AnswerRejected {\n      errors\n    }\n    ... on MessageCompleted {\n      content\n      finishReason\n      usage {\n        promptTokens\n        completionTokens\n        totalTokens\n        memoryTokens\n      }\n    }\n    ... on RunFailed {\n      code\n      message\n      retryable\n    }\n  }\n": types.StudioRunEventFragmentDoc,
    "\n  subscription StudioChatStream($input: ChatInput!) {\n    chatStream(input: $input) {\n      ...StudioRunEvent\n    }\n  }\n": types.StudioChatStreamDocument,
    "\n  subscription StudioRunEvents($runId: ID!, $after: Int!) {\n    runEvents(runId: $runId, after: $after) {\n      ...StudioRunEvent\n    }\n  }\n": types.StudioRunEventsDocument,
    "\n  mutation StudioCancelRun($runId: ID!) {\n    cancelRun(runId: $runId)\n  }\n": types.StudioCancelRunDocument,
    "\n  mutation StudioSubmitToolResults($runId: ID!, $results: [ToolResultInput!]!) {\n    submitToolResults(runId: $runId, results: $results) {\n      runId\n      status\n    }\n  }\n": types.StudioSubmitToolResultsDocument,
    "\n  mutation StudioApproveToolCall($runId: ID!, $callId: ID!, $approved: Boolean!, $reason: String) {\n    approveToolCall(runId: $runId, callId: $callId, approved: $approved, reason: $reason) {\n      runId\n      status\n    }\n  }\n": types.StudioApproveToolCallDocument,
    "\n  query StudioMe {\n    me {\n      kind\n      userId\n    }\n  }\n": types.StudioMeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioAgents {\n    agents {\n      id\n      model\n      description\n      systemMessage\n      temperature\n      maxTokens\n      tools\n      requireApproval\n      delegates\n      handoffs\n      fallbackModels\n      isDefault\n      userId\n      updatedAt\n    }\n  }\n"): typeof import('./graphql').StudioAgentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioCreateAgent($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      id\n    }\n  }\n"): typeof import('./graphql').StudioCreateAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioUpdateAgent($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      id\n    }\n  }\n"): typeof import('./graphql').StudioUpdateAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRemoveAgent($id: ID!) {\n    removeAgent(id: $id)\n  }\n"): typeof import('./graphql').StudioRemoveAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioSetDefaultAgent($id: ID!) {\n    setDefaultAgent(id: $id) {\n      id\n    }\n  }\n"): typeof import('./graphql').StudioSetDefaultAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioSelectAgent($message: String!) {\n    selectAgent(message: $message) {\n      agentId\n      strategy\n      confidence\n      reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n  }\n"): typeof import('./graphql').StudioSelectAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {\n    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {\n      from\n      to\n      totals {\n        calls\n        inputTokens\n        outputTokens\n        cachedTokens\n        reasoningTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n      groups {\n        bucketStart\n        calls\n        totalTokens\n        costUsd\n      }\n      unpricedModels\n    }\n    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {\n      groups {\n        userId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {\n      groups {\n        keyId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {\n      groups {\n        agentId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {\n      groups {\n        model\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n  }\n"): typeof import('./graphql').StudioUsageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioQueryFields {\n    __type(name: \"Query\") {\n      fields {\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').StudioQueryFieldsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioKeyLabels {\n    apiKeys {\n      id\n      label\n      userId\n    }\n  }\n"): typeof import('./graphql').StudioKeyLabelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StudioRunEvent on RunEvent {\n    __typename\n    ... on RunEventFields {\n      runId\n      seq\n    }\n    ... on RunStarted {\n      agentId\n      conversationId\n    }\n    ... on AgentSelected {\n      agentId\n      strategy\n      confidence\n      routingReason: reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n    ... on TokenDelta {\n      text\n    }\n    ... on ToolCallStarted {\n      callId\n      tool\n      serverId\n      arguments\n    }\n    ... on ToolCallCompleted {\n      callId\n      result\n      isError\n      durationMs\n    }\n    ... on ToolCallRequested {\n      callId\n      tool\n      arguments\n    }\n    ... on ToolApprovalRequested {\n      callId\n      tool\n      serverId\n      arguments\n    }\n    ... on RunPaused {\n      callIds\n      expiresAt\n    }\n    ... on ToolCallDecided {\n      callId\n      approved\n      decisionReason: reason\n    }\n    ... on DelegationStarted {\n      childRunId\n      agentId\n    }\n    ... on DelegationCompleted {\n      childRunId\n      isError\n    }\n    ... on Handoff {\n      fromAgentId\n      toAgentId\n      handoffReason: reason\n    }\n    ... on ModelFallback {\n      fromModel\n      toModel\n      fallbackReason: reason\n    }\n    ... on AnswerRejected {\n      errors\n    }\n    ... on MessageCompleted {\n      content\n      finishReason\n      usage {\n        promptTokens\n        completionTokens\n        totalTokens\n        memoryTokens\n      }\n    }\n    ... on RunFailed {\n      code\n      message\n      retryable\n    }\n  }\n"): typeof import('./graphql').StudioRunEventFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioChatStream($input: ChatInput!) {\n    chatStream(input: $input) {\n      ...StudioRunEvent\n    }\n  }\n"): typeof import('./graphql').StudioChatStreamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioRunEvents($runId: ID!, $after: Int!) {\n    runEvents(runId: $runId, after: $after) {\n      ...StudioRunEvent\n    }\n  }\n"): typeof import('./graphql').StudioRunEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioCancelRun($runId: ID!) {\n    cancelRun(runId: $runId)\n  }\n"): typeof import('./graphql').StudioCancelRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioSubmitToolResults($runId: ID!, $results: [ToolResultInput!]!) {\n    submitToolResults(runId: $runId, results: $results) {\n      runId\n      status\n    }\n  }\n"): typeof import('./graphql').StudioSubmitToolResultsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioApproveToolCall($runId: ID!, $callId: ID!, $approved: Boolean!, $reason: String) {\n    approveToolCall(runId: $runId, callId: $callId, approved: $approved, reason: $reason) {\n      runId\n      status\n    }\n  }\n"): typeof import('./graphql').StudioApproveToolCallDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioMe {\n    me {\n      kind\n      userId\n    }\n  }\n"): typeof import('./graphql').StudioMeDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
