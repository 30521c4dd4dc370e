// Embedding requests per chat, and time to the first token, with an embedding provider that takes
// BENCH_EMBEDDING_DELAY_MS (default 150) per request: the gateway as `npm start` runs it on embedded
// PGlite, chats streamed one after another (chatStream over SSE), each case with its own users.
// Each case's added TTFT is over the SDK-free direct stream's TTFT (the same request straight to the upstream).
// `BENCH_ONLY=query-embedding npm run bench`, or alone `npx tsx bench/query-embedding.ts` (BENCH_QUERY_EMBEDDING_CHATS
// chats per case, default 30). It prints each case on stderr and one JSON line, the whole result, on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, build, graphql, sleep, startGateway, startTsx, stop, stopAll } from './processes.js';
import { percentile, round } from './stats.js';

const CHATS = Number(process.env.BENCH_QUERY_EMBEDDING_CHATS ?? 30);
const DELAY_MS = Number(process.env.BENCH_EMBEDDING_DELAY_MS ?? 150);
/** Longer than an indexing batch's wait (MEMORY_INDEX_DELAY_MS, 200 ms) plus the time to send its request. */
const QUIET_MS = 500;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunStarted { conversationId } } }`;

interface Case {
  name: string;
  /** Run once before the measured chats (memories, a long conversation); returns what each chat adds to its input. */
  setup(userId: string): Promise<Record<string, unknown>>;
  /** Whether each chat is a new user's. */
  freshUser: boolean;
  agentId: string | null;
}

async function main() {
  build();
  const upstream = await startTsx(['bench/upstream.ts'], { BENCH_EMBEDDING_DELAY_MS: String(DELAY_MS) });
  const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
  const stats = async () => (await (await fetch(upstreamUrl.replace('/v1', '/bench/stats'))).json()) as { embeddings: number };
  const results: Record<string, unknown>[] = [];
  const direct = await directTtfts(upstreamUrl);
  for (const embeddings of [true, false]) {
    const dataDir = mkdtempSync(join(tmpdir(), 'muxgate-query-embedding-'));
    const gateway = await startGateway({ kind: 'pglite', dataDir }, upstreamUrl, { ROUTING_STRATEGY: 'embedding', MEMORY_EMBEDDINGS: String(embeddings) });
    const gql = (query: string, variables?: object) => graphql(gateway.graphqlUrl, ADMIN_KEY, query, variables);
    await gql(`mutation { createAgent(input: { id: "assistant", systemMessage: "x", description: "General questions" }) { id } }`);
    await gql(`mutation { createAgent(input: { id: "billing", systemMessage: "x", description: "Billing: invoices, refunds, payments and charges" }) { id } }`);
    await gql(`mutation { createAgent(input: { id: "travel", systemMessage: "x", description: "Travel: flights, hotels, trains and trips" }) { id } }`);
    /** One streamed chat: ms to its first token, and the embeddings the upstream had answered or begun by then. */
    const chat = async (input: Record<string, unknown>) => {
      const before = (await stats()).embeddings;
      const started = performance.now();
      const response = await fetch(gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query: CHAT_STREAM, variables: { input: { ...input, message: `${input.message} bench tokens=5 rate=10` } } }),
      });
      let ttft = 0;
      let conversationId = '';
      let text = '';
      let atFirstToken: Promise<number> | undefined;
      for await (const chunk of response.body!) {
        text += Buffer.from(chunk).toString();
        conversationId ||= /"conversationId":"([^"]+)"/.exec(text)?.[1] ?? '';
        if (!ttft && text.includes('"TokenDelta"')) {
          ttft = performance.now() - started;
          // Read while the answer is still streaming (10 tokens/s): the answer's indexing has not begun.
          atFirstToken = stats().then((s) => s.embeddings - before);
        }
      }
      // The answer's indexing, which may wait for a batch (MEMORY_INDEX_DELAY_MS): counted once the upstream has
      // seen no new embedding request for QUIET_MS, so it is not counted before the next chat's first token.
      let total = (await stats()).embeddings;
      for (let quietSince = performance.now(); performance.now() - quietSince < QUIET_MS; ) {
        await sleep(50);
        const now = (await stats()).embeddings;
        if (now !== total) [total, quietSince] = [now, performance.now()];
      }
      return { ttft, before: await atFirstToken!, total: total - before, conversationId };
    };
    let users = 0;
    const cases: Case[] = [
      { name: 'first chat of a new user', freshUser: true, agentId: 'assistant', setup: async () => ({}) },
      {
        name: 'a conversation longer than the buffer (12 messages, BUFFER_SIZE 10)',
        freshUser: false,
        agentId: 'assistant',
        setup: async (userId) => {
          let conversationId: string | undefined;
          for (let turn = 0; turn < 6; turn++) conversationId = (await chat({ userId, agentId: 'assistant', conversationId, message: `earlier turn ${turn}` })).conversationId;
          return { conversationId };
        },
      },
      {
        name: 'a user with long-term memories',
        freshUser: false,
        agentId: 'assistant',
        setup: async (userId) => {
          await gql(`mutation($u: ID!) { addLongTermMemory(input: { userId: $u, content: "Invoices go to the accounts payable team" }) { id } }`, { u: userId });
          return {};
        },
      },
      {
        name: 'routed by embedding, a user with long-term memories',
        freshUser: false,
        agentId: null,
        setup: async (userId) => {
          await gql(`mutation($u: ID!) { addLongTermMemory(input: { userId: $u, content: "Invoices go to the accounts payable team" }) { id } }`, { u: userId });
          return {};
        },
      },
    ];
    for (const c of cases) {
      let userId = `bench-${++users}`;
      let extra = await c.setup(userId);
      const samples: Array<{ ttft: number; before: number; total: number }> = [];
      for (let i = 0; i < CHATS + 3; i++) {
        if (c.freshUser) {
          userId = `bench-${++users}`;
          extra = await c.setup(userId);
        }
        // Each message differs, so routing's cache never answers.
        const sample = await chat({ userId, ...(c.agentId ? { agentId: c.agentId } : {}), ...extra, message: `where do my invoices go ${i}` });
        if (i >= 3) samples.push(sample);
      }
      const ttfts = samples.map((s) => s.ttft);
      const result = {
        memoryEmbeddings: embeddings,
        case: c.name,
        embeddingsBeforeFirstToken: round(samples.reduce((n, s) => n + s.before, 0) / samples.length),
        embeddingsPerChat: round(samples.reduce((n, s) => n + s.total, 0) / samples.length),
        ttftP50: round(percentile(ttfts, 50), 1),
        ttftP99: round(percentile(ttfts, 99), 1),
        addedTtftP50: round(percentile(ttfts, 50) - percentile(direct, 50), 1),
        addedTtftP99: round(percentile(ttfts, 99) - percentile(direct, 99), 1),
      };
      results.push(result);
      console.error(JSON.stringify(result));
    }
    await stop(gateway.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  await stop(upstream.child);
  const summary = { delayMs: DELAY_MS, chats: CHATS, directTtftP50: round(percentile(direct, 50), 1), directTtftP99: round(percentile(direct, 99), 1), rows: results };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** The same streamed request (5 tokens at 10/s) straight to the upstream, CHATS times after 3: ms to the first token. */
async function directTtfts(upstreamUrl: string) {
  const ttfts: number[] = [];
  for (let i = 0; i < CHATS + 3; i++) {
    const started = performance.now();
    const response = await fetch(`${upstreamUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: `where do my invoices go ${i} bench tokens=5 rate=10` }] }),
    });
    let text = '';
    let ttft = 0;
    for await (const chunk of response.body!) {
      text += Buffer.from(chunk).toString();
      // The role chunk comes first; the first token is the first non-empty content.
      if (!ttft && /"content":"[^"]/.test(text)) ttft = performance.now() - started;
    }
    if (i >= 3) ttfts.push(ttft);
  }
  return ttfts;
}

main().then(
  () => stopAll(),
  (error: unknown) => {
    console.error(error);
    stopAll();
    process.exit(1);
  },
);
