import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AgentCard, type Message, type Part, Role, TaskState } from '@a2a-js/sdk';
import { type AgentExecutor, DefaultRequestHandler, type ExecutionEventBus, InMemoryTaskStore, type RequestContext } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';

/**
 * A real A2A server built with @a2a-js/sdk's server (JSON-RPC, streaming). What it answers depends
 * on the question's first word:
 *   "stream …"  the rest of the text in three artifact chunks, then completed;
 *   "data …"    a data part {"answer": 42, "echo": <the rest>} and a text part, then completed;
 *   "reply …"   one plain message (no task) echoing the rest;
 *   "fail"      failed, its status message saying why;
 *   "ask"       input-required;
 *   "hang"      working, then nothing until the task is cancelled.
 * It records each request's headers, the tasks it started and the ones cancelled.
 */
export interface TestA2aServer {
  url: string;
  /** Headers of every HTTP request, in order (the card fetch included). */
  headers: IncomingHttpHeaders[];
  /** The question parts each message carried (text), in order. */
  questions: string[][];
  started: string[];
  cancelled: string[];
  close(): Promise<void>;
}

export async function startTestA2aServer(options: { name?: string; description?: string; skills?: Array<{ id: string; name: string; description: string }>; streaming?: boolean } = {}): Promise<TestA2aServer> {
  const app = express();
  const server: Server = createServer((req, res) => app(req, res, () => res.writeHead(404).end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const card: AgentCard = {
    name: options.name ?? 'Test remote agent',
    description: options.description ?? 'Answers test questions',
    version: '1.0.0',
    supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }],
    provider: undefined,
    capabilities: { streaming: options.streaming ?? true, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: (options.skills ?? [{ id: 'echo', name: 'Echo', description: 'Repeats what it is told' }]).map((skill) => ({ ...skill, tags: ['test'], examples: [], inputModes: [], outputModes: [], securityRequirements: [] })),
    signatures: [],
  };
  const record: TestA2aServer = { url, headers: [], questions: [], started: [], cancelled: [], close: async () => {} };
  const cancels = new Map<string, () => void>();

  const executor: AgentExecutor = {
    async execute(context: RequestContext, bus: ExecutionEventBus) {
      const { taskId, contextId } = context;
      const texts = context.userMessage.parts.flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : []));
      record.questions.push(texts);
      const [verb = '', ...rest] = (texts[0] ?? '').split(' ');
      const tail = rest.join(' ');
      if (verb === 'reply') {
        bus.publish({ kind: 'message', data: message(contextId, taskId, [textPart(`echo: ${tail}`)]) });
        bus.finished();
        return;
      }
      record.started.push(taskId);
      bus.publish({ kind: 'task', data: { id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined }, artifacts: [], history: [], metadata: undefined } });
      const status = (state: TaskState, parts: Part[] = []) =>
        bus.publish({ kind: 'statusUpdate', data: { taskId, contextId, status: { state, message: parts.length ? message(contextId, taskId, parts) : undefined, timestamp: new Date().toISOString() }, metadata: undefined } });
      const artifact = (artifactId: string, parts: Part[], append: boolean, lastChunk: boolean) =>
        bus.publish({ kind: 'artifactUpdate', data: { taskId, contextId, artifact: { artifactId, name: 'answer', description: '', parts, metadata: undefined, extensions: [] }, append, lastChunk, metadata: undefined } });
      status(TaskState.TASK_STATE_WORKING);
      if (verb === 'stream') {
        const words = tail.match(/\s*\S+/g) ?? [];
        const third = Math.ceil(words.length / 3);
        const chunks = [words.slice(0, third), words.slice(third, 2 * third), words.slice(2 * third)].map((chunk) => chunk.join(''));
        chunks.forEach((chunk, i) => artifact('answer', [textPart(chunk)], i > 0, i === chunks.length - 1));
        status(TaskState.TASK_STATE_COMPLETED);
      } else if (verb === 'data') {
        artifact('answer', [{ content: { $case: 'data', value: { answer: 42, echo: tail } }, metadata: undefined, filename: '', mediaType: 'application/json' }, textPart('The answer is 42')], false, true);
        status(TaskState.TASK_STATE_COMPLETED);
      } else if (verb === 'fail') {
        status(TaskState.TASK_STATE_FAILED, [textPart('the test agent was told to fail')]);
      } else if (verb === 'ask') {
        status(TaskState.TASK_STATE_INPUT_REQUIRED, [textPart('Which city?')]);
      } else if (verb === 'hang') {
        await new Promise<void>((resolve) => cancels.set(taskId, resolve));
        status(TaskState.TASK_STATE_CANCELED);
      } else {
        status(TaskState.TASK_STATE_COMPLETED, [textPart(`unknown: ${texts[0] ?? ''}`)]);
      }
      bus.finished();
    },
    async cancelTask(taskId: string) {
      record.cancelled.push(taskId);
      cancels.get(taskId)?.();
    },
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use((req, _res, next) => {
    record.headers.push(req.headers);
    next();
  });
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));

  record.close = async () => {
    for (const cancel of cancels.values()) cancel();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return record;
}

const textPart = (text: string): Part => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });

const message = (contextId: string, taskId: string, parts: Part[]): Message => ({ messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] });

/**
 * A plain HTTP server that is not an A2A agent: its card is `card` (any JSON, or text), and every
 * other request is answered with `answer` (status 200, `contentType`): garbage for an A2A client.
 */
export async function startFakeA2aServer(options: { card: (url: string) => string; answer?: string; contentType?: string }): Promise<{ url: string; close(): Promise<void> }> {
  let url = '';
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(options.card(url));
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': options.contentType ?? 'text/event-stream' }).end(options.answer ?? 'data: this is not json\n\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A card that is valid and points its JSON-RPC interface at `url` (for startFakeA2aServer). */
export const validCardAt = (url: string, name = 'Garbage agent') =>
  JSON.stringify({ name, description: 'Says things that are not A2A', version: '1', supportedInterfaces: [{ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }], capabilities: { streaming: true }, skills: [] });
