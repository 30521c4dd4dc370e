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
    "\n  query StudioMe {\n    me {\n      kind\n      userId\n    }\n  }\n": typeof types.StudioMeDocument,
};
const documents: Documents = {
    "\n  query StudioAgents {\n    agents {\n      id\n      model\n      description\n      systemMessage\n      temperature\n      maxTokens\n      tools\n      requireApproval\n      delegates\n      handoffs\n      fallbackModels\n      isDefault\n      userId\n      updatedAt\n    }\n  }\n": types.StudioAgentsDocument,
    "\n  mutation StudioCreateAgent($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      id\n    }\n  }\n": types.StudioCreateAgentDocument,
    "\n  mutation StudioUpdateAgent($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      id\n    }\n  }\n": types.StudioUpdateAgentDocument,
    "\n  mutation StudioRemoveAgent($id: ID!) {\n    removeAgent(id: $id)\n  }\n": types.StudioRemoveAgentDocument,
    "\n  mutation StudioSetDefaultAgent($id: ID!) {\n    setDefaultAgent(id: $id) {\n      id\n    }\n  }\n": types.StudioSetDefaultAgentDocument,
    "\n  query StudioSelectAgent($message: String!) {\n    selectAgent(message: $message) {\n      agentId\n      strategy\n      confidence\n      reason\n      cached\n      latencyMs\n      candidates {\n        agentId\n        score\n      }\n    }\n  }\n": types.StudioSelectAgentDocument,
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
export function graphql(source: "\n  query StudioMe {\n    me {\n      kind\n      userId\n    }\n  }\n"): typeof import('./graphql').StudioMeDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
