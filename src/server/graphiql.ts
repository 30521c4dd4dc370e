import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphiQLOptions } from 'graphql-yoga';

const DEFAULT_QUERY = `# Welcome to muxgate.
#
# Authenticate: open the Headers tab below and enter your key (or a JWT from issueToken):
#   { "authorization": "Bearer <your API key>" }
#
# Then run this query to see who you are:
query Me {
  me { kind }
}

# Stream an answer token by token (subscriptions go over SSE with the same headers):
# subscription Chat {
#   chatStream(input: { message: "Hello!" }) {
#     __typename
#     ... on RunEventFields { runId seq }
#     ... on AgentSelected { agentId strategy reason }
#     ... on TokenDelta { text index }
#     ... on ToolCallStarted { callId tool arguments }
#     ... on ToolCallCompleted { callId result isError }
#     ... on MessageCompleted { messageId content finishReason }
#     ... on RunFailed { code message retryable }
#   }
# }
`;

export const graphiqlOptions: GraphiQLOptions = {
  title: 'muxgate',
  // Over SSE a subscription is a fetch, which carries the Headers tab; GraphiQL's WebSocket does not.
  subscriptionsProtocol: 'SSE',
  defaultQuery: DEFAULT_QUERY,
};

type Encoding = 'br' | 'gzip' | 'identity';

const compressors: Record<Exclude<Encoding, 'identity'>, (page: Buffer) => Promise<Buffer>> = {
  // Quality 5 compresses this page in a fraction of the time of the default 11, about 5% larger.
  br: (page) => promisify(brotliCompress)(page, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: page.length } }),
  gzip: (page) => promisify(gzip)(page),
};

/** Yoga's rule: a GET that accepts HTML wants the IDE, anything else is an operation. */
export const wantsGraphiQL = (req: FastifyRequest) => req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');

/**
 * GraphiQL's page is 9 MB with its assets inlined (no request leaves the machine) and the same
 * for the whole process: rendered once, each encoding compressed once on first use. Its renderer
 * is imported on first use too: loaded, it holds about 30 MB of heap a gateway may never need.
 */
export function graphiqlPage() {
  const bodies = new Map<Encoding, Promise<Buffer>>();
  const body = (encoding: Encoding): Promise<Buffer> => {
    let cached = bodies.get(encoding);
    if (!cached) {
      cached = encoding === 'identity' ? renderPage() : body('identity').then(compressors[encoding]);
      bodies.set(encoding, cached);
    }
    return cached;
  };
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const encoding = pickEncoding(req.headers['accept-encoding']);
    const page = await body(encoding);
    reply.header('content-type', 'text/html; charset=utf-8').header('vary', 'accept-encoding');
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return reply.send(page);
  };
}

async function renderPage(): Promise<Buffer> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return Buffer.from(renderGraphiQL(graphiqlOptions));
}

/** br, then gzip, when the client accepts them (q > 0); otherwise the page as is. */
export function pickEncoding(header: string | string[] | undefined): Encoding {
  const accepted = new Set<string>();
  for (const part of [header ?? ''].flat().join(',').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (!q || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return 'identity';
}
