// The reference the gateway's CPU and memory are compared with: plain Fastify + graphql-yoga, mounted
// as Yoga's Fastify guide does, serving `{ agents { id } }` from a static list and nothing else.
// Compiled (tsconfig.bench.json) and started by bench/run.ts with `npm start`'s node flags:
// `node bench/dist/bare-stack.js '<JSON array of agent ids>'`.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createSchema, createYoga } from 'graphql-yoga';

const agents = (JSON.parse(process.argv[2] ?? '[]') as string[]).map((id) => ({ id }));

const yoga = createYoga<{ req: FastifyRequest; reply: FastifyReply }>({
  schema: createSchema({
    typeDefs: 'type Agent { id: ID! } type Query { agents: [Agent!]! }',
    resolvers: { Query: { agents: () => agents } },
  }),
  graphqlEndpoint: '/graphql',
  logging: false,
});

const app = Fastify({ logger: false });
app.route({
  url: yoga.graphqlEndpoint,
  method: ['GET', 'POST', 'OPTIONS'],
  handler: async (req, reply) => {
    const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
    response.headers.forEach((value, key) => {
      reply.header(key, value);
    });
    reply.status(response.status);
    reply.send(response.body);
    return reply;
  },
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`bare stack listening on ${url}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
