import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './node.js';
import './health.js';
import './agent.js';
import './auth.js';
import './routing.js';
import './run-event.js';
import './run-usage.js';
import './image.js';
import './conversation.js';
import './chat.js';
import './memory.js';
import './mcp.js';
import './remote-agent.js';
import '../resolvers/health.js';
import '../resolvers/agents.js';
import '../resolvers/auth.js';
import '../resolvers/chat.js';
import '../resolvers/conversations.js';
import '../resolvers/routing.js';
import '../resolvers/memory.js';
import '../resolvers/mcp.js';
import '../resolvers/remote-agents.js';
import '../resolvers/nodes.js';

/** The whole API, sorted so schema.graphql diffs stay readable. */
export const schema = lexicographicSortSchema(builder.toSchema());
