import type { Behaviour, RecordedRequest } from './fake-openai.js';

/** Deterministic stand-ins for a real model's judgement: enough to prove the plumbing, not the quality. */

const STOPWORDS = new Set(
  'a an and are as at be but by can could do does for from how i if in into is it its me my of on or our please should so that the their them then there this to was we what when where which who why will with would you your'.split(' '),
);

/** Lower-case words without stopwords, a plural "s" dropped: "Invoices" and "invoice" match. */
export function keywords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => !STOPWORDS.has(w)).map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w));
}

/** A bag-of-words vector: each keyword hashed (FNV-1a) to a dimension, then scaled to unit length. */
export function bagOfWordsVector(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of keywords(text)) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193) >>> 0;
    vector[hash % dimensions]! += 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/**
 * Answers a routing prompt (candidates as "- id: description" lines, the message inside
 * <user_message>) with the candidate sharing most keywords with the message; the first listed on a tie.
 */
export function keywordRouter(request: RecordedRequest): Behaviour {
  const messages: Array<{ role: string; content: string }> = request.body.messages ?? [];
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const candidates = [...system.matchAll(/^- ([a-z0-9][a-z0-9_-]*): (.*)$/gm)].map((m) => ({ id: m[1]!, words: new Set(keywords(`${m[1]} ${m[2]}`)) }));
  const text = /<user_message>\n?([\s\S]*?)\n?<\/user_message>/.exec(user)?.[1] ?? user;
  const asked = keywords(text);
  let best = candidates[0];
  let bestScore = 0;
  for (const candidate of candidates) {
    const score = asked.filter((w) => candidate.words.has(w)).length;
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return { text: best?.id ?? '' };
}
