import { graphql } from './gql';

/** Every event of a run with the fields the console shows (aliases keep differently-typed `reason`s apart). */
export const RunEventFragment = graphql(`
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
`);

export const ChatStream = graphql(`
  subscription StudioChatStream($input: ChatInput!) {
    chatStream(input: $input) {
      ...StudioRunEvent
    }
  }
`);

export const RunEvents = graphql(`
  subscription StudioRunEvents($runId: ID!, $after: Int!) {
    runEvents(runId: $runId, after: $after) {
      ...StudioRunEvent
    }
  }
`);

export const CancelRun = graphql(`
  mutation StudioCancelRun($runId: ID!) {
    cancelRun(runId: $runId)
  }
`);

export const SubmitToolResults = graphql(`
  mutation StudioSubmitToolResults($runId: ID!, $results: [ToolResultInput!]!) {
    submitToolResults(runId: $runId, results: $results) {
      runId
      status
    }
  }
`);

export const ApproveToolCall = graphql(`
  mutation StudioApproveToolCall($runId: ID!, $callId: ID!, $approved: Boolean!, $reason: String) {
    approveToolCall(runId: $runId, callId: $callId, approved: $approved, reason: $reason) {
      runId
      status
    }
  }
`);
