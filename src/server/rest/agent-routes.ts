import type { FastifyInstance } from 'fastify';
import { principalOf } from './caller.js';
import { withRestNames } from './refusals.js';
import { given, JSON_TYPE, type RestOptions } from './options.js';
import { agentIdParams, agentList, createAgentBody, errorResponses, jsonResponse, noContent, ref, userIdQuery } from './schemas.js';
import { agentJson } from './wire.js';
import type { ResponseFormatInput } from '../../core/models/response-format.js';

interface CreateAgentBody {
  agent_id: string;
  description?: string | null;
  system_message?: string | null;
  model?: string | null;
  set_as_default?: boolean | null;
  tools?: string[] | null;
  temperature?: number | null;
  max_tokens?: number | null;
  fallback_models?: string[] | null;
  response_format?: ResponseFormatInput | null;
  require_approval?: string[] | null;
  a2a?: boolean | null;
  delegates?: string[] | null;
  handoffs?: string[] | null;
  user_id?: string | null;
}

/** GET/POST /agents, GET/DELETE /agents/{agent_id}: orchestrator.agents, as createAgent, agents, agent and removeAgent. */
export async function agentRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  const { agents } = orchestrator;

  app.get('/agents', {
    schema: {
      tags: ['agents'],
      operationId: 'listAgents',
      summary: 'The agents the caller may use',
      description: 'Global agents and the acting user’s own; admins see all unless they name a user.',
      querystring: userIdQuery,
      response: { 200: jsonResponse(agentList, 'The agents'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const { user_id: userId } = request.query as { user_id?: string };
      const list = await agents.list(principalOf(request), { userId });
      return reply.type(JSON_TYPE).send({ agents: list.map(agentJson) });
    },
  });

  app.post('/agents', {
    schema: {
      tags: ['agents'],
      operationId: 'createAgent',
      summary: 'Create an agent (admin)',
      description: 'The first global agent becomes the default.',
      body: createAgentBody,
      response: { 201: jsonResponse(ref('Agent'), 'The agent created'), ...errorResponses(413) },
    },
    handler: async (request, reply) => {
      const body = request.body as CreateAgentBody;
      const created = agents.create(principalOf(request), {
        id: body.agent_id,
        description: body.description,
        systemMessage: body.system_message,
        model: body.model,
        setAsDefault: body.set_as_default,
        tools: body.tools,
        temperature: body.temperature,
        maxTokens: body.max_tokens,
        fallbackModels: body.fallback_models,
        responseFormat: body.response_format,
        requireApproval: body.require_approval,
        a2a: body.a2a,
        delegates: body.delegates,
        handoffs: body.handoffs,
        userId: given(body.user_id),
      });
      const agent = await withRestNames(created, { id: 'agent_id' });
      return reply.status(201).type(JSON_TYPE).send(agentJson(agent));
    },
  });

  app.get('/agents/:agent_id', {
    schema: {
      tags: ['agents'],
      operationId: 'getAgent',
      summary: 'One agent',
      params: agentIdParams,
      querystring: userIdQuery,
      response: { 200: jsonResponse(ref('Agent'), 'The agent'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { agent_id: id } = request.params as { agent_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      return reply.type(JSON_TYPE).send(agentJson(await agents.get(principalOf(request), id, { userId })));
    },
  });

  app.delete('/agents/:agent_id', {
    schema: {
      tags: ['agents'],
      operationId: 'removeAgent',
      summary: 'Remove an agent (admin)',
      description: 'Removing the default agent passes the default to the oldest global agent.',
      params: agentIdParams,
      response: { 204: noContent('Removed'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { agent_id: id } = request.params as { agent_id: string };
      await agents.remove(principalOf(request), id);
      return reply.status(204).send();
    },
  });
}
