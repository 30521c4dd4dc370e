import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { healthRoute } from '../health-route.js';
import { agentRoutes } from './agent-routes.js';
import { authRoutes } from './auth-routes.js';
import { budgetRoutes } from './budget-routes.js';
import { authenticateRequests } from './caller.js';
import { chatRoutes } from './chat-routes.js';
import { conversationRoutes } from './conversation-routes.js';
import { parseChatForm } from './chat-form.js';
import { fileRoutes } from './file-routes.js';
import { mcpRoutes } from './mcp-routes.js';
import { memoryRoutes } from './memory-routes.js';
import { remoteAgentRoutes } from './remote-agent-routes.js';
import { usageRoutes } from './usage-routes.js';
import type { RestOptions } from './options.js';
import { restErrorHandler, restValidatorCompiler } from './refusals.js';
import { SHARED_SCHEMAS } from './schemas.js';

/**
 * Many clients send `Content-Type: application/json` (or another type) on every request: a route
 * that takes no body ignores an empty one; a route that takes one still refuses it ("The body is
 * empty"). JSON goes through Fastify's own parser, which refuses `__proto__` and
 * `constructor.prototype` keys; any other type with a body is 415 (Fastify reads text/plain by default).
 */
function ignoreEmptyBodiesWhereNoneIsTaken(app: FastifyInstance, { bodyLimitBytes, uploadLimitBytes }: Pick<RestApiOptions, 'bodyLimitBytes' | 'uploadLimitBytes'>) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const takesNoBody = (request: FastifyRequest) => !request.routeOptions.schema?.body;
  const unsupported = (request: FastifyRequest) => new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(String(request.headers['content-type'] ?? ''));
  app.removeAllContentTypeParsers();
  // Each parser bounds its own bodies: routes that take uploads have no route-wide limit (see restApi's onRoute).
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: bodyLimitBytes }, (request, body, done) => {
    if (body === '' && takesNoBody(request)) return done(null, undefined);
    return parseJson(request, body as string, done);
  });
  // A chat with uploads (the routes whose schema lists a form); anywhere else a form is 415, as before.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: uploadLimitBytes }, async (request: FastifyRequest, body: Buffer) => {
    if (!takesUploads(request.routeOptions.schema)) throw unsupported(request);
    return parseChatForm(request, body);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyLimitBytes }, (request, body, done) => {
    if (body.length === 0 && takesNoBody(request)) return done(null, undefined);
    return done(unsupported(request), undefined);
  });
}

/** Routes whose body may come as multipart/form-data (the chat routes, with images). */
const takesUploads = (schema: { body?: unknown } | undefined) => Boolean((schema?.body as { content?: Record<string, unknown> } | undefined)?.content?.['multipart/form-data']);

/** The docs page's Content-Security-Policy: its own origin only (images may be inline data). */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'self'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

export interface RestApiOptions extends RestOptions {
  /** BODY_LIMIT_BYTES: larger bodies are refused with 413 before they are read whole. */
  bodyLimitBytes: number;
  /** Forms with uploads (the chat routes) may be this large. */
  uploadLimitBytes: number;
  version: string;
}

/**
 * The reference's REST endpoints (and memory, MCP, runs, conversations in the same style), snake_case,
 * over the same core calls as the GraphQL resolvers; /health; the OpenAPI 3.1 document built from
 * the route schemas at /openapi.json and Swagger UI at /docs, its assets served from the package.
 * One encapsulated context, so GraphQL's body parsing and error handling stay its own.
 */
export async function restApi(app: FastifyInstance, options: RestApiOptions) {
  app.setValidatorCompiler(restValidatorCompiler());
  app.setErrorHandler(restErrorHandler);
  app.addHook('onRoute', (route) => {
    if (!takesUploads(route.schema)) route.bodyLimit ??= options.bodyLimitBytes;
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  ignoreEmptyBodiesWhereNoneIsTaken(app, options);

  // Before the routes: the document is collected as they are added.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'muxgate REST API',
        version: options.version,
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'The reference orchestrator’s REST endpoints, snake_case, over the same core as the GraphQL API at /graphql. ' +
          'Authenticate with `Authorization: Bearer <API key or JWT>` (or `X-API-Key`). Errors: `{ "error": { "code", "message" } }` with the GraphQL API’s codes.',
      },
      // Relative: paths resolve against the origin the document was fetched from, so it holds behind
      // any proxy or hostname without trusting the request's Host (which a cache could be poisoned with).
      servers: [{ url: '/', description: 'This gateway (the origin that served this document)' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key or a JWT from POST /auth/token.' },
          api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key.' },
        },
      },
      security: [{ bearer: [] }, { api_key: [] }],
      tags: [
        { name: 'chat', description: 'Messages, answers and their runs (streamed as Server-Sent Events)' },
        { name: 'agents', description: 'Agents (managed with an admin key)' },
        { name: 'conversations', description: 'The acting user’s conversations' },
        { name: 'files', description: 'Images stored from messages, for their owners' },
        { name: 'memory', description: 'Buffer, long-term and user-context memory' },
        { name: 'mcp', description: 'MCP servers and their tools' },
        { name: 'remote agents', description: 'Agents served elsewhere over A2A (managed with an admin key)' },
        { name: 'usage', description: 'Tokens and cost of model calls, from the usage ledger' },
        { name: 'auth', description: 'Tokens' },
        { name: 'budgets', description: 'Token and dollar budgets per API key and per user (set with an admin key)' },
        { name: 'health', description: 'For load balancers' },
      ],
    },
    // Shared schemas appear under their own names in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    theme: { title: 'muxgate REST API' },
    uiConfig: { deepLinking: true, displayRequestDuration: true },
    // Everything the page needs is served from here: the browser is told to load nothing from elsewhere.
    staticCSP: DOCS_CSP,
  });

  await app.register(healthRoute, { orchestrator: options.orchestrator });
  await app.register(async (api) => {
    api.addHook('onRequest', authenticateRequests(options.orchestrator.auth));
    // A POST without a body is checked as an empty object, so the refusal names the missing fields.
    api.addHook('preValidation', async (request: FastifyRequest) => {
      if (request.body === undefined && request.method === 'POST') request.body = {};
    });
    for (const routes of [chatRoutes, agentRoutes, authRoutes, conversationRoutes, fileRoutes, memoryRoutes, mcpRoutes, remoteAgentRoutes, usageRoutes, budgetRoutes]) await api.register(routes, options);
  });
}
