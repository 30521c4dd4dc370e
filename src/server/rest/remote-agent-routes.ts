import type { FastifyInstance } from 'fastify';
import { principalOf } from './caller.js';
import { withRestNames } from './refusals.js';
import { JSON_TYPE, type RestOptions } from './options.js';
import { errorResponses, jsonResponse, noContent, ref, registerRemoteAgentBody, remoteAgentIdParams, remoteAgentList } from './schemas.js';
import { remoteAgentJson } from './wire.js';

interface RegisterBody {
  agent_id: string;
  url: string;
  headers?: Record<string, string> | null;
}

/** Remote agents (A2A): orchestrator.remoteAgents, as the registerRemoteAgent, remoteAgents and removeRemoteAgent fields. */
export async function remoteAgentRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  const { remoteAgents } = orchestrator;

  app.get('/remote_agents', {
    schema: {
      tags: ['remote agents'],
      operationId: 'listRemoteAgents',
      summary: 'Registered remote agents',
      description: 'Every registered remote agent (they are global: every authenticated caller sees them).',
      response: { 200: jsonResponse(remoteAgentList, 'The remote agents'), ...errorResponses() },
    },
    handler: async (request, reply) => reply.type(JSON_TYPE).send({ remote_agents: remoteAgents.list(principalOf(request)).map(remoteAgentJson) }),
  });

  app.post('/remote_agents', {
    schema: {
      tags: ['remote agents'],
      operationId: 'registerRemoteAgent',
      summary: 'Register a remote agent (admin)',
      description:
        'Its agent card is fetched (the URL itself when it ends in .json, else its /.well-known/agent-card.json) and checked, then stored (and fetched again at every start, reconnected with backoff when it goes down). ' +
        'A card that is not a valid agent card, or a URL whose address is not allowed (MCP_ALLOW_PRIVATE_URLS), is BAD_USER_INPUT; one that cannot be fetched now is UPSTREAM_UNAVAILABLE (503, retryable); either way nothing is stored.',
      body: registerRemoteAgentBody,
      response: { 201: jsonResponse(ref('RemoteAgent'), 'The remote agent registered'), ...errorResponses(413, 503) },
    },
    handler: async (request, reply) => {
      const body = request.body as RegisterBody;
      const registering = remoteAgents.register(principalOf(request), { id: body.agent_id, url: body.url, headers: body.headers });
      const agent = await withRestNames(registering, { id: 'agent_id' });
      return reply.status(201).type(JSON_TYPE).send(remoteAgentJson(agent));
    },
  });

  app.get('/remote_agents/:agent_id', {
    schema: {
      tags: ['remote agents'],
      operationId: 'getRemoteAgent',
      summary: 'One remote agent',
      params: remoteAgentIdParams,
      response: { 200: jsonResponse(ref('RemoteAgent'), 'The remote agent'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { agent_id: id } = request.params as { agent_id: string };
      return reply.type(JSON_TYPE).send(remoteAgentJson(remoteAgents.get(principalOf(request), id)));
    },
  });

  app.delete('/remote_agents/:agent_id', {
    schema: {
      tags: ['remote agents'],
      operationId: 'removeRemoteAgent',
      summary: 'Remove a remote agent (admin)',
      description: 'It is no longer asked, routed to or delegated to.',
      params: remoteAgentIdParams,
      response: { 204: noContent('Removed'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { agent_id: id } = request.params as { agent_id: string };
      await remoteAgents.remove(principalOf(request), id);
      return reply.status(204).send();
    },
  });
}
