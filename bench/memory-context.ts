// The time the memory stage (build context) adds before a chat's first token, measured on the stage
// itself over embedded PGlite: `npx tsx bench/memory-context.ts` (BENCH_MEMORY_ROUNDS, default 300).
// The "before" is what the stage did before memory: one read of the last BUFFER_SIZE messages.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '../src/core/agents/agent.js';
import { ConversationStore } from '../src/core/conversations/conversation-store.js';
import { ContextBuilder } from '../src/core/memory/context-builder.js';
import { DEFAULT_MEMORY_SETTINGS } from '../src/core/memory/memory-settings.js';
import { MemoryIndexer } from '../src/core/memory/memory-indexer.js';
import { MemoryStore } from '../src/core/memory/memory-store.js';
import { MessageMemoryStore } from '../src/core/memory/message-memory-store.js';
import { DEFAULT_VECTOR_SEARCH } from '../src/core/memory/vector-search.js';
import { TokenCounter } from '../src/core/memory/token-counter.js';
import { PostgresUserContextStore } from '../src/core/memory/user-context/postgres-user-context-store.js';
import { CachedUserContextStore } from '../src/core/memory/user-context/cached-user-context-store.js';
import { NO_METRICS } from '../src/core/metrics/metrics.js';
import type { EmbeddingModel } from '../src/core/models/embedding-model.js';
import { openDatabase } from '../src/db/database.js';
import { ensureVectorColumns } from '../src/db/vector-columns.js';
import { keepTables } from '../src/db/table-statistics.js';
import { percentile, round } from './stats.js';

const DIMENSIONS = 256;
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 300);
// Text with the shape of language: made-up words drawn by Zipf's law (a few words are common, most
// are rare), from a fixed seed so every run loads the same data. The 100 most frequent ranks are
// left out, as full-text search leaves out English stop words ("the", "and", "is" …).
const SYLLABLES = ['ka', 'lo', 'mi', 'tu', 're', 'sa', 'no', 'vi', 'da', 'pe', 'gor', 'lin', 'tas', 'mur', 'bel'];
const WORDS = Array.from({ length: 3_375 }, (_, i) => SYLLABLES[i % 15]! + SYLLABLES[Math.floor(i / 15) % 15]! + SYLLABLES[Math.floor(i / 225) % 15]!);
const ZIPF = (() => {
  const weights = WORDS.map((_, rank) => 1 / (rank + 101));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((w) => (sum += w / total));
})();
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const word = () => {
  const r = random();
  let lo = 0;
  let hi = ZIPF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ZIPF[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  return WORDS[lo]!;
};
const sentence = (_i: number) => Array.from({ length: 12 }, word).join(' ');

/** Instant deterministic vectors: the bench measures the gateway's work, not a provider's. */
const instantEmbeddings: EmbeddingModel = {
  dimensions: DIMENSIONS,
  async embed(texts) {
    return texts.map((text) => {
      const vector = new Array<number>(DIMENSIONS).fill(0);
      for (const word of text.split(/\s+/)) vector[[...word].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % DIMENSIONS]! += 1;
      const norm = Math.hypot(...vector) || 1;
      return vector.map((x) => x / norm);
    });
  },
};

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-bench-memory-'));
  const database = await openDatabase({ dataDir, onLockLost: () => {} });
  try {
    await ensureVectorColumns(database.db, DIMENSIONS);
    const store = new ConversationStore(database.db);
    const userId = 'bench-user';
    const conversation = await store.createConversation(userId, 'bench');
    // 40 settled messages (20 turns), indexed and embedded as the indexer leaves them.
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await store.addMessage({ conversationId: conversation.id, role: i % 2 ? 'assistant' : 'user', content: sentence(i), status: 'COMPLETE' })).id);
    // As the gateway builds them on PGlite: pgvector's settings are the session's own.
    const search = { ...DEFAULT_VECTOR_SEARCH, settingsInSession: true };
    const withVectors = { memories: new MemoryStore(database.db, true, search), messages: new MessageMemoryStore(database.db, true, search) };
    const indexer = new MemoryIndexer({ ...withVectors, embeddings: instantEmbeddings, retryMs: 60_000, reportError: () => {}, metrics: NO_METRICS });
    // 1,000 memories of this user and 5,000 of others.
    for (let i = 0; i < 6_000; i++) {
      const memory = await withVectors.memories.insert({ userId: i < 1_000 ? userId : `other-${i % 50}`, agentId: null, content: sentence(i + 3), metadata: {}, importance: 0.5, source: 'MANUAL' });
      if (i % 500 === 0) process.stdout.write('.');
      void memory;
    }
    await indexer.indexMessages(ids);
    await indexer.backfill();
    for (let round = 0; round < 100; round++) {
      await indexer.backfill();
      const left = await database.db.selectFrom('memories').select((eb) => eb.fn.countAll<string>().as('n')).where('embedded_at', 'is', null).executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
    }
    // As the gateway wires it: read from memory, renewed in the background.
    // As the gateway's indexer leaves them within EMBEDDING_RETRY_MS: with planner statistics.
    await keepTables(database.db, ['memories', 'messages']);
    const facts = new CachedUserContextStore(new PostgresUserContextStore(database.db));
    await facts.merge(userId, Array.from({ length: 10 }, (_, i) => ({ path: ['preferences', `item_${i}`], value: word(), importance: 0.5, source: 'MANUAL' as const, confidence: 1, sourceMessageId: null })));
    const agent = { id: 'bench', systemMessage: 'You are a bench.' } as Agent;
    const settings = { systemMessage: 'x', bufferSize: 10, ...DEFAULT_MEMORY_SETTINGS };
    const tokens = new TokenCounter();
    await tokens.ready();
    const fullText = new ContextBuilder({
      messages: new MessageMemoryStore(database.db, false),
      memories: new MemoryStore(database.db, false),
      userContext: facts,
      indexer: new MemoryIndexer({ memories: new MemoryStore(database.db, false), messages: new MessageMemoryStore(database.db, false), embeddings: undefined, retryMs: 60_000, reportError: () => {}, metrics: NO_METRICS }),
      presence: EVERYONE_HAS_MEMORIES,
      tokens,
      settings,
      reportError: (error) => console.error(error),
    });
    const vectors = new ContextBuilder({ ...withVectors, userContext: facts, indexer, presence: EVERYONE_HAS_MEMORIES, tokens, settings, reportError: (error) => console.error(error) });
    const questions = Array.from({ length: 64 }, () => `what about ${word()} and ${word()} or ${word()}?`);
    const turn = (i: number) => ({ runId: randomUUID(), message: questions[i % questions.length]!, isNew: false, userId });
    const measure = async (name: string, stage: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 30; i++) await stage(i);
      const samples: number[] = [];
      const cpuBefore = process.cpuUsage();
      for (let i = 0; i < ROUNDS; i++) {
        const started = performance.now();
        await stage(i);
        samples.push(performance.now() - started);
      }
      const cpu = process.cpuUsage(cpuBefore);
      const row = { stage: name, p50: round(percentile(samples, 50), 3), p99: round(percentile(samples, 99), 3), mainThreadCpuMs: round((cpu.user + cpu.system) / 1000 / ROUNDS, 3) };
      console.log(JSON.stringify(row));
      return row;
    };
    console.log('');
    const textMemories = new MemoryStore(database.db, false);
    const textMessages = new MessageMemoryStore(database.db, false);
    const parts = [
      await measure('part: the buffer window (100 messages scored)', (i) => textMessages.window(conversation.id, 100, turn(i).message, undefined)),
      await measure('part: long-term full-text search (MEMORY_K)', (i) => textMemories.searchFullText(turn(i).message, { scope: { all: false, userId }, agentId: 'bench' }, 5)),
      await measure('part: user context facts (from memory)', () => facts.facts(userId)),
    ];
    const built = await fullText.build(agent, conversation.id, turn(0));
    parts.push(await measure('part: assembling the prompt under the budget (tokens counted, cached)', async () => built.prompt.assemble()));
    parts.push(await measure('part: build without assembling', (i) => fullText.build(agent, conversation.id, turn(i))));
    const rows = [
      ...parts,
      await measure('before memory: the last BUFFER_SIZE messages', () => store.messages(conversation.id, { last: 10, settledOnly: true })),
      await measure('memory, full text (buffer + semantic buffer + MEMORY_K memories + user context, assembled)', async (i) => (await fullText.build(agent, conversation.id, turn(i))).prompt.assemble()),
      await measure('memory, vectors (the same + one embedding, here instant, + HNSW search)', async (i) => (await vectors.build(agent, conversation.id, turn(i))).prompt.assemble()),
    ];
    console.log(JSON.stringify({ rounds: ROUNDS, node: process.version, rows }));
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();

/** The bench's user has memories: every search here takes its full path. */
const EVERYONE_HAS_MEMORIES = { has: async () => true };
