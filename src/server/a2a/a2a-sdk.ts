// What the A2A routes need of the A2A SDK and of the code built on it (the JSON-RPC handlers, the task
// mapping, the cards), loaded at the first A2A request: about 2 MB of heap a gateway holds only once used.
export { A2A_VERSION_HEADER, AgentCard } from '@a2a-js/sdk';
export { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
export { ContentTypeNotSupportedError, VersionNotSupportedError } from '@a2a-js/sdk/errors';
export { JsonRpcTransportHandler, ServerCallContext } from '@a2a-js/sdk/server';
export { agentCardOf, discoveryCardOf, PROTOCOL_VERSIONS } from './agent-card.js';
export { AgentTasks } from './agent-tasks.js';
