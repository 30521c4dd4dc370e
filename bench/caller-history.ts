// What a /v1 request's own history costs before its first token, on the stage itself (no gateway):
// `npx tsx bench/caller-history.ts`. A request without X-Conversation-Id sends its earlier messages;
// /v1 parses them (parseCompletionRequest), the chat turns them into buffer pieces
// (callerHistoryPieces) and the prompt window counts them under MAX_CONTEXT_TOKENS. Stored history
// has its counts cached by message id; a caller's history is seen once and counted afresh. Compared
// with the same pieces keyed as stored ones (second and later counts from the cache).
import { callerHistoryPieces } from '../src/core/memory/caller-history.js';
import { PromptWindow } from '../src/core/memory/prompt-window.js';
import { TokenCounter } from '../src/core/memory/token-counter.js';
import { parseCompletionRequest } from '../src/server/openai/completion-request.js';
import { percentile, round } from './stats.js';

const ROUNDS = 300;
// Made-up words from syllables (3,375 of them), so the tokenizer's own caches see text as varied as chat.
const SYLLABLES = ['ka', 'lo', 'mi', 'tu', 're', 'sa', 'no', 'vi', 'da', 'pe', 'gor', 'lin', 'tas', 'mur', 'bel'];
const WORDS = Array.from({ length: 3_375 }, (_, i) => SYLLABLES[i % 15]! + SYLLABLES[Math.floor(i / 15) % 15]! + SYLLABLES[Math.floor(i / 225) % 15]!);
let seed = 7;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const sentence = (words: number) => Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');

const tokens = new TokenCounter();
await tokens.ready();

const rows = [];
for (const messages of [4, 20, 80]) {
  // Messages of 60 made-up words, alternating user and assistant, then the turn; fresh text each round.
  const bodyOf = () => ({
    model: 'assistant',
    messages: [...Array.from({ length: messages }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: sentence(60) })), { role: 'user', content: 'And now?' }],
  });
  const bodies = Array.from({ length: ROUNDS + 30 }, bodyOf);
  let next = 0;
  const measure = (work: () => void) => {
    for (let i = 0; i < 30; i++) work();
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      work();
      times.push(performance.now() - started);
    }
    return { p50: round(percentile(times, 50), 3), p99: round(percentile(times, 99), 3) };
  };
  let historyTokens = 0;
  const fresh = measure(() => {
    const input = parseCompletionRequest(bodies[next++ % bodies.length], undefined).input!;
    const pieces = callerHistoryPieces(input.history ?? []);
    const window = new PromptWindow({ system: 'You are terse.', userContext: [], memories: [], buffer: pieces, message: input.message, runId: 'r' }, tokens, 1_000_000);
    historyTokens = window.assemble().memoryTokens;
  });
  const keyedPieces = callerHistoryPieces(parseCompletionRequest(bodies[0], undefined).input!.history ?? []).map((piece, i) => ({ ...piece, key: `msg:${i}` }));
  const cached = measure(() => {
    new PromptWindow({ system: 'You are terse.', userContext: [], memories: [], buffer: keyedPieces, message: 'And now?', runId: 'r' }, tokens, 1_000_000).assemble();
  });
  rows.push({ messages, historyTokens, callerHistoryMs: fresh, storedKeyedMs: cached, usPerToken: round(((fresh.p50 - cached.p50) * 1000) / historyTokens, 2) });
}
console.log(JSON.stringify({ rounds: ROUNDS, node: process.version, rows }));
