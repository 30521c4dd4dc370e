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
    "\n  query StudioConversations($userId: ID, $after: String) {\n    conversations(userId: $userId, first: 20, after: $after) {\n      edges {\n        node {\n          id\n          title\n          userId\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.StudioConversationsDocument,
    "\n  query StudioConversation($id: ID!, $userId: ID) {\n    conversation(id: $id, userId: $userId) {\n      id\n      title\n      userId\n      createdAt\n      messages {\n        id\n        role\n        content\n        status\n        agentId\n        runId\n        createdAt\n        errorCode\n        finishReason\n        usage {\n          promptTokens\n          completionTokens\n          totalTokens\n        }\n        routing {\n          agentId\n          strategy\n          confidence\n        }\n        toolCalls {\n          callId\n          tool\n          serverId\n          arguments\n          result\n          isError\n          durationMs\n          round\n          executedBy\n          approval {\n            approved\n            reason\n          }\n        }\n      }\n    }\n  }\n": typeof types.StudioConversationDocument,
    "\n  query StudioMcpServers {\n    mcpServers {\n      ...StudioMcpServer\n    }\n  }\n": typeof types.StudioMcpServersDocument,
    "\n  fragment StudioMcpServer on McpServer {\n    id\n    transport\n    url\n    command\n    args\n    status\n    error\n    connectedAt\n    tools {\n      name\n      functionName\n      description\n      inputSchema\n    }\n  }\n": typeof types.StudioMcpServerFragmentDoc,
    "\n  subscription StudioMcpServerChanged {\n    mcpServerChanged {\n      ...StudioMcpServer\n    }\n  }\n": typeof types.StudioMcpServerChangedDocument,
    "\n  query StudioRemoteAgents {\n    remoteAgents {\n      ...StudioRemoteAgent\n    }\n  }\n": typeof types.StudioRemoteAgentsDocument,
    "\n  fragment StudioRemoteAgent on RemoteAgent {\n    id\n    url\n    name\n    description\n    version\n    status\n    error\n    streaming\n    connectedAt\n    skills {\n      id\n      name\n      description\n    }\n  }\n": typeof types.StudioRemoteAgentFragmentDoc,
    "\n  subscription StudioRemoteAgentChanged {\n    remoteAgentChanged {\n      ...StudioRemoteAgent\n    }\n  }\n": typeof types.StudioRemoteAgentChangedDocument,
    "\n  mutation StudioExecuteMcpTool($serverId: ID!, $toolName: String!, $arguments: JSON) {\n    executeMcpTool(serverId: $serverId, toolName: $toolName, arguments: $arguments) {\n      isError\n      text\n      content\n      structuredContent\n    }\n  }\n": typeof types.StudioExecuteMcpToolDocument,
    "\n  mutation StudioRegisterMcpServer($input: RegisterMcpServerInput!) {\n    registerMcpServer(input: $input) {\n      id\n      status\n    }\n  }\n": typeof types.StudioRegisterMcpServerDocument,
    "\n  mutation StudioRemoveMcpServer($id: ID!) {\n    removeMcpServer(id: $id)\n  }\n": typeof types.StudioRemoveMcpServerDocument,
    "\n  mutation StudioReconnectMcpServer($id: ID!) {\n    reconnectMcpServer(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.StudioReconnectMcpServerDocument,
    "\n  mutation StudioRegisterRemoteAgent($input: RegisterRemoteAgentInput!) {\n    registerRemoteAgent(input: $input) {\n      id\n      status\n    }\n  }\n": typeof types.StudioRegisterRemoteAgentDocument,
    "\n  mutation StudioRemoveRemoteAgent($id: ID!) {\n    removeRemoteAgent(id: $id)\n  }\n": typeof types.StudioRemoveRemoteAgentDocument,
    "\n  query StudioSearchMemory($query: String!, $userId: ID, $useLongTerm: Boolean) {\n    searchMemory(query: $query, userId: $userId, k: 20, useLongTerm: $useLongTerm) {\n      id\n      source\n      content\n      score\n      matchedBy\n      conversationId\n      role\n      agentId\n      createdAt\n    }\n  }\n": typeof types.StudioSearchMemoryDocument,
    "\n  query StudioMemories($userId: ID, $includeSuperseded: Boolean) {\n    memories(userId: $userId, first: 50, includeSuperseded: $includeSuperseded) {\n      edges {\n        node {\n          id\n          content\n          factKey\n          source\n          confidence\n          importance\n          agentId\n          userId\n          embedded\n          validUntil\n          supersededBy\n          createdAt\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.StudioMemoriesDocument,
    "\n  query StudioUserContext($userId: ID) {\n    userContext(userId: $userId) {\n      userId\n      knowledge\n      facts {\n        path\n        key\n        value\n        confidence\n        importance\n        source\n        updatedAt\n      }\n    }\n  }\n": typeof types.StudioUserContextDocument,
    "\n  mutation StudioUpdateMemory($input: UpdateMemoryInput!, $userId: ID) {\n    updateMemory(input: $input, userId: $userId) {\n      id\n      content\n    }\n  }\n": typeof types.StudioUpdateMemoryDocument,
    "\n  mutation StudioDeleteMemory($id: ID!, $userId: ID) {\n    deleteMemory(id: $id, userId: $userId)\n  }\n": typeof types.StudioDeleteMemoryDocument,
    "\n  mutation StudioDeleteUserContextFact($path: [String!]!, $userId: ID) {\n    deleteUserContextFact(path: $path, userId: $userId)\n  }\n": typeof types.StudioDeleteUserContextFactDocument,
    "\n  mutation StudioForgetUser($userId: ID!) {\n    forgetUser(userId: $userId) {\n      conversations\n      messages\n      memories\n      userContextFacts\n      agents\n      apiKeys\n      runs\n      cachedAnswers\n      routingDecisions\n      files\n    }\n  }\n": typeof types.StudioForgetUserDocument,
    "\n  query StudioMetrics($windowSeconds: Int) {\n    metrics(windowSeconds: $windowSeconds) {\n      replicaId\n      intervalSeconds\n      points {\n        at\n        seconds\n        runsStartedPerSecond\n        runsActive\n        firstTokenP50Ms\n        firstTokenP95Ms\n        inputTokensPerSecond\n        outputTokensPerSecond\n        failures {\n          code\n          count\n        }\n        subscriptionsActive\n      }\n    }\n  }\n": typeof types.StudioMetricsDocument,
    "\n  fragment StudioLiveRun on LiveRun {\n    id\n    status\n    agentId\n    userId\n    conversationId\n    parentRunId\n    startedAt\n    timeToFirstTokenMs\n    tokens\n    replicaId\n  }\n": typeof types.StudioLiveRunFragmentDoc,
    "\n  query StudioRuns($userId: ID) {\n    runs(userId: $userId) {\n      ...StudioLiveRun\n    }\n  }\n": typeof types.StudioRunsDocument,
    "\n  subscription StudioRunsChanged($userId: ID) {\n    runsChanged(userId: $userId) {\n      kind\n      run {\n        ...StudioLiveRun\n      }\n    }\n  }\n": typeof types.StudioRunsChangedDocument,
    "\n  subscription StudioRunTimeline($runId: ID!, $after: Int!, $userId: ID) {\n    runEvents(runId: $runId, after: $after, userId: $userId) {\n      ...StudioRunEvent\n    }\n  }\n": typeof types.StudioRunTimelineDocument,
    "\n  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {\n    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {\n      from\n      to\n      totals {\n        calls\n        inputTokens\n        outputTokens\n        cachedTokens\n        reasoningTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n      groups {\n        bucketStart\n        calls\n        totalTokens\n        costUsd\n      }\n      unpricedModels\n    }\n    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {\n      groups {\n        userId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {\n      groups {\n        keyId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {\n      groups {\n        agentId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {\n      groups {\n        model\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n  }\n": typeof types.StudioUsageDocument,
    "\n  query StudioKeyLabels {\n    apiKeys {\n      id\n      label\n      userId\n    }\n  }\n": typeof types.StudioKeyLabelsDocument,
    "\n  query StudioBudgets {\n    budgets {\n      id\n      scope\n      keyId\n      userId\n      metric\n      period\n      limit\n      spent\n      remaining\n      resetsAt\n      hard\n      exceeded\n    }\n  }\n": typeof types.StudioBudgetsDocument,
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
    "\n  query StudioConversations($userId: ID, $after: String) {\n    conversations(userId: $userId, first: 20, after: $after) {\n      edges {\n        node {\n          id\n          title\n          userId\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.StudioConversationsDocument,
    "\n  query StudioConversation($id: ID!, $userId: ID) {\n    conversation(id: $id, userId: $userId) {\n      id\n      title\n      userId\n      createdAt\n      messages {\n        id\n        role\n        content\n        status\n        agentId\n        runId\n        createdAt\n        errorCode\n        finishReason\n        usage {\n          promptTokens\n          completionTokens\n          totalTokens\n        }\n        routing {\n          agentId\n          strategy\n          confidence\n        }\n        toolCalls {\n          callId\n          tool\n          serverId\n          arguments\n          result\n          isError\n          durationMs\n          round\n          executedBy\n          approval {\n            approved\n            reason\n          }\n        }\n      }\n    }\n  }\n": types.StudioConversationDocument,
    "\n  query StudioMcpServers {\n    mcpServers {\n      ...StudioMcpServer\n    }\n  }\n": types.StudioMcpServersDocument,
    "\n  fragment StudioMcpServer on McpServer {\n    id\n    transport\n    url\n    command\n    args\n    status\n    error\n    connectedAt\n    tools {\n      name\n      functionName\n      description\n      inputSchema\n    }\n  }\n": types.StudioMcpServerFragmentDoc,
    "\n  subscription StudioMcpServerChanged {\n    mcpServerChanged {\n      ...StudioMcpServer\n    }\n  }\n": types.StudioMcpServerChangedDocument,
    "\n  query StudioRemoteAgents {\n    remoteAgents {\n      ...StudioRemoteAgent\n    }\n  }\n": types.StudioRemoteAgentsDocument,
    "\n  fragment StudioRemoteAgent on RemoteAgent {\n    id\n    url\n    name\n    description\n    version\n    status\n    error\n    streaming\n    connectedAt\n    skills {\n      id\n      name\n      description\n    }\n  }\n": types.StudioRemoteAgentFragmentDoc,
    "\n  subscription StudioRemoteAgentChanged {\n    remoteAgentChanged {\n      ...StudioRemoteAgent\n    }\n  }\n": types.StudioRemoteAgentChangedDocument,
    "\n  mutation StudioExecuteMcpTool($serverId: ID!, $toolName: String!, $arguments: JSON) {\n    executeMcpTool(serverId: $serverId, toolName: $toolName, arguments: $arguments) {\n      isError\n      text\n      content\n      structuredContent\n    }\n  }\n": types.StudioExecuteMcpToolDocument,
    "\n  mutation StudioRegisterMcpServer($input: RegisterMcpServerInput!) {\n    registerMcpServer(input: $input) {\n      id\n      status\n    }\n  }\n": types.StudioRegisterMcpServerDocument,
    "\n  mutation StudioRemoveMcpServer($id: ID!) {\n    removeMcpServer(id: $id)\n  }\n": types.StudioRemoveMcpServerDocument,
    "\n  mutation StudioReconnectMcpServer($id: ID!) {\n    reconnectMcpServer(id: $id) {\n      id\n      status\n    }\n  }\n": types.StudioReconnectMcpServerDocument,
    "\n  mutation StudioRegisterRemoteAgent($input: RegisterRemoteAgentInput!) {\n    registerRemoteAgent(input: $input) {\n      id\n      status\n    }\n  }\n": types.StudioRegisterRemoteAgentDocument,
    "\n  mutation StudioRemoveRemoteAgent($id: ID!) {\n    removeRemoteAgent(id: $id)\n  }\n": types.StudioRemoveRemoteAgentDocument,
    "\n  query StudioSearchMemory($query: String!, $userId: ID, $useLongTerm: Boolean) {\n    searchMemory(query: $query, userId: $userId, k: 20, useLongTerm: $useLongTerm) {\n      id\n      source\n      content\n      score\n      matchedBy\n      conversationId\n      role\n      agentId\n      createdAt\n    }\n  }\n": types.StudioSearchMemoryDocument,
    "\n  query StudioMemories($userId: ID, $includeSuperseded: Boolean) {\n    memories(userId: $userId, first: 50, includeSuperseded: $includeSuperseded) {\n      edges {\n        node {\n          id\n          content\n          factKey\n          source\n          confidence\n          importance\n          agentId\n          userId\n          embedded\n          validUntil\n          supersededBy\n          createdAt\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.StudioMemoriesDocument,
    "\n  query StudioUserContext($userId: ID) {\n    userContext(userId: $userId) {\n      userId\n      knowledge\n      facts {\n        path\n        key\n        value\n        confidence\n        importance\n        source\n        updatedAt\n      }\n    }\n  }\n": types.StudioUserContextDocument,
    "\n  mutation StudioUpdateMemory($input: UpdateMemoryInput!, $userId: ID) {\n    updateMemory(input: $input, userId: $userId) {\n      id\n      content\n    }\n  }\n": types.StudioUpdateMemoryDocument,
    "\n  mutation StudioDeleteMemory($id: ID!, $userId: ID) {\n    deleteMemory(id: $id, userId: $userId)\n  }\n": types.StudioDeleteMemoryDocument,
    "\n  mutation StudioDeleteUserContextFact($path: [String!]!, $userId: ID) {\n    deleteUserContextFact(path: $path, userId: $userId)\n  }\n": types.StudioDeleteUserContextFactDocument,
    "\n  mutation StudioForgetUser($userId: ID!) {\n    forgetUser(userId: $userId) {\n      conversations\n      messages\n      memories\n      userContextFacts\n      agents\n      apiKeys\n      runs\n      cachedAnswers\n      routingDecisions\n      files\n    }\n  }\n": types.StudioForgetUserDocument,
    "\n  query StudioMetrics($windowSeconds: Int) {\n    metrics(windowSeconds: $windowSeconds) {\n      replicaId\n      intervalSeconds\n      points {\n        at\n        seconds\n        runsStartedPerSecond\n        runsActive\n        firstTokenP50Ms\n        firstTokenP95Ms\n        inputTokensPerSecond\n        outputTokensPerSecond\n        failures {\n          code\n          count\n        }\n        subscriptionsActive\n      }\n    }\n  }\n": types.StudioMetricsDocument,
    "\n  fragment StudioLiveRun on LiveRun {\n    id\n    status\n    agentId\n    userId\n    conversationId\n    parentRunId\n    startedAt\n    timeToFirstTokenMs\n    tokens\n    replicaId\n  }\n": types.StudioLiveRunFragmentDoc,
    "\n  query StudioRuns($userId: ID) {\n    runs(userId: $userId) {\n      ...StudioLiveRun\n    }\n  }\n": types.StudioRunsDocument,
    "\n  subscription StudioRunsChanged($userId: ID) {\n    runsChanged(userId: $userId) {\n      kind\n      run {\n        ...StudioLiveRun\n      }\n    }\n  }\n": types.StudioRunsChangedDocument,
    "\n  subscription StudioRunTimeline($runId: ID!, $after: Int!, $userId: ID) {\n    runEvents(runId: $runId, after: $after, userId: $userId) {\n      ...StudioRunEvent\n    }\n  }\n": types.StudioRunTimelineDocument,
    "\n  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {\n    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {\n      from\n      to\n      totals {\n        calls\n        inputTokens\n        outputTokens\n        cachedTokens\n        reasoningTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n      groups {\n        bucketStart\n        calls\n        totalTokens\n        costUsd\n      }\n      unpricedModels\n    }\n    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {\n      groups {\n        userId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {\n      groups {\n        keyId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {\n      groups {\n        agentId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {\n      groups {\n        model\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n  }\n": types.StudioUsageDocument,
    "\n  query StudioKeyLabels {\n    apiKeys {\n      id\n      label\n      userId\n    }\n  }\n": types.StudioKeyLabelsDocument,
    "\n  query StudioBudgets {\n    budgets {\n      id\n      scope\n      keyId\n      userId\n      metric\n      period\n      limit\n      spent\n      remaining\n      resetsAt\n      hard\n      exceeded\n    }\n  }\n": types.StudioBudgetsDocument,
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
export function graphql(source: "\n  query StudioConversations($userId: ID, $after: String) {\n    conversations(userId: $userId, first: 20, after: $after) {\n      edges {\n        node {\n          id\n          title\n          userId\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').StudioConversationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioConversation($id: ID!, $userId: ID) {\n    conversation(id: $id, userId: $userId) {\n      id\n      title\n      userId\n      createdAt\n      messages {\n        id\n        role\n        content\n        status\n        agentId\n        runId\n        createdAt\n        errorCode\n        finishReason\n        usage {\n          promptTokens\n          completionTokens\n          totalTokens\n        }\n        routing {\n          agentId\n          strategy\n          confidence\n        }\n        toolCalls {\n          callId\n          tool\n          serverId\n          arguments\n          result\n          isError\n          durationMs\n          round\n          executedBy\n          approval {\n            approved\n            reason\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').StudioConversationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioMcpServers {\n    mcpServers {\n      ...StudioMcpServer\n    }\n  }\n"): typeof import('./graphql').StudioMcpServersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StudioMcpServer on McpServer {\n    id\n    transport\n    url\n    command\n    args\n    status\n    error\n    connectedAt\n    tools {\n      name\n      functionName\n      description\n      inputSchema\n    }\n  }\n"): typeof import('./graphql').StudioMcpServerFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioMcpServerChanged {\n    mcpServerChanged {\n      ...StudioMcpServer\n    }\n  }\n"): typeof import('./graphql').StudioMcpServerChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioRemoteAgents {\n    remoteAgents {\n      ...StudioRemoteAgent\n    }\n  }\n"): typeof import('./graphql').StudioRemoteAgentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StudioRemoteAgent on RemoteAgent {\n    id\n    url\n    name\n    description\n    version\n    status\n    error\n    streaming\n    connectedAt\n    skills {\n      id\n      name\n      description\n    }\n  }\n"): typeof import('./graphql').StudioRemoteAgentFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioRemoteAgentChanged {\n    remoteAgentChanged {\n      ...StudioRemoteAgent\n    }\n  }\n"): typeof import('./graphql').StudioRemoteAgentChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioExecuteMcpTool($serverId: ID!, $toolName: String!, $arguments: JSON) {\n    executeMcpTool(serverId: $serverId, toolName: $toolName, arguments: $arguments) {\n      isError\n      text\n      content\n      structuredContent\n    }\n  }\n"): typeof import('./graphql').StudioExecuteMcpToolDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRegisterMcpServer($input: RegisterMcpServerInput!) {\n    registerMcpServer(input: $input) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').StudioRegisterMcpServerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRemoveMcpServer($id: ID!) {\n    removeMcpServer(id: $id)\n  }\n"): typeof import('./graphql').StudioRemoveMcpServerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioReconnectMcpServer($id: ID!) {\n    reconnectMcpServer(id: $id) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').StudioReconnectMcpServerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRegisterRemoteAgent($input: RegisterRemoteAgentInput!) {\n    registerRemoteAgent(input: $input) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').StudioRegisterRemoteAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRemoveRemoteAgent($id: ID!) {\n    removeRemoteAgent(id: $id)\n  }\n"): typeof import('./graphql').StudioRemoveRemoteAgentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioSearchMemory($query: String!, $userId: ID, $useLongTerm: Boolean) {\n    searchMemory(query: $query, userId: $userId, k: 20, useLongTerm: $useLongTerm) {\n      id\n      source\n      content\n      score\n      matchedBy\n      conversationId\n      role\n      agentId\n      createdAt\n    }\n  }\n"): typeof import('./graphql').StudioSearchMemoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioMemories($userId: ID, $includeSuperseded: Boolean) {\n    memories(userId: $userId, first: 50, includeSuperseded: $includeSuperseded) {\n      edges {\n        node {\n          id\n          content\n          factKey\n          source\n          confidence\n          importance\n          agentId\n          userId\n          embedded\n          validUntil\n          supersededBy\n          createdAt\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): typeof import('./graphql').StudioMemoriesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioUserContext($userId: ID) {\n    userContext(userId: $userId) {\n      userId\n      knowledge\n      facts {\n        path\n        key\n        value\n        confidence\n        importance\n        source\n        updatedAt\n      }\n    }\n  }\n"): typeof import('./graphql').StudioUserContextDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioUpdateMemory($input: UpdateMemoryInput!, $userId: ID) {\n    updateMemory(input: $input, userId: $userId) {\n      id\n      content\n    }\n  }\n"): typeof import('./graphql').StudioUpdateMemoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioDeleteMemory($id: ID!, $userId: ID) {\n    deleteMemory(id: $id, userId: $userId)\n  }\n"): typeof import('./graphql').StudioDeleteMemoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioDeleteUserContextFact($path: [String!]!, $userId: ID) {\n    deleteUserContextFact(path: $path, userId: $userId)\n  }\n"): typeof import('./graphql').StudioDeleteUserContextFactDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioForgetUser($userId: ID!) {\n    forgetUser(userId: $userId) {\n      conversations\n      messages\n      memories\n      userContextFacts\n      agents\n      apiKeys\n      runs\n      cachedAnswers\n      routingDecisions\n      files\n    }\n  }\n"): typeof import('./graphql').StudioForgetUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioMetrics($windowSeconds: Int) {\n    metrics(windowSeconds: $windowSeconds) {\n      replicaId\n      intervalSeconds\n      points {\n        at\n        seconds\n        runsStartedPerSecond\n        runsActive\n        firstTokenP50Ms\n        firstTokenP95Ms\n        inputTokensPerSecond\n        outputTokensPerSecond\n        failures {\n          code\n          count\n        }\n        subscriptionsActive\n      }\n    }\n  }\n"): typeof import('./graphql').StudioMetricsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StudioLiveRun on LiveRun {\n    id\n    status\n    agentId\n    userId\n    conversationId\n    parentRunId\n    startedAt\n    timeToFirstTokenMs\n    tokens\n    replicaId\n  }\n"): typeof import('./graphql').StudioLiveRunFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioRuns($userId: ID) {\n    runs(userId: $userId) {\n      ...StudioLiveRun\n    }\n  }\n"): typeof import('./graphql').StudioRunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioRunsChanged($userId: ID) {\n    runsChanged(userId: $userId) {\n      kind\n      run {\n        ...StudioLiveRun\n      }\n    }\n  }\n"): typeof import('./graphql').StudioRunsChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioRunTimeline($runId: ID!, $after: Int!, $userId: ID) {\n    runEvents(runId: $runId, after: $after, userId: $userId) {\n      ...StudioRunEvent\n    }\n  }\n"): typeof import('./graphql').StudioRunTimelineDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {\n    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {\n      from\n      to\n      totals {\n        calls\n        inputTokens\n        outputTokens\n        cachedTokens\n        reasoningTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n      groups {\n        bucketStart\n        calls\n        totalTokens\n        costUsd\n      }\n      unpricedModels\n    }\n    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {\n      groups {\n        userId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {\n      groups {\n        keyId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {\n      groups {\n        agentId\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {\n      groups {\n        model\n        calls\n        inputTokens\n        outputTokens\n        totalTokens\n        costUsd\n        unpricedCalls\n      }\n    }\n  }\n"): typeof import('./graphql').StudioUsageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioKeyLabels {\n    apiKeys {\n      id\n      label\n      userId\n    }\n  }\n"): typeof import('./graphql').StudioKeyLabelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioBudgets {\n    budgets {\n      id\n      scope\n      keyId\n      userId\n      metric\n      period\n      limit\n      spent\n      remaining\n      resetsAt\n      hard\n      exceeded\n    }\n  }\n"): typeof import('./graphql').StudioBudgetsDocument;
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
