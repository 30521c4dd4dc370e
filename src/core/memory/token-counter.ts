import { growingLru } from '../caching/growing-lru.js';
import type { ChatMessage } from '../models/chat-model.js';
import { imageTokens } from '../images/image-tokens.js';

/** What every chat message costs beyond its text in OpenAI's chat format, and the reply's priming. */
export const TOKENS_PER_MESSAGE = 4;
export const TOKENS_PER_REPLY = 3;

type CountTokens = (text: string) => number;

/**
 * Counts tokens with gpt-tokenizer's o200k_base (the GPT-4o family's encoding). The encoder costs
 * about 70 MB and half a second to load, so it loads on first use; until then a text counts as its
 * UTF-8 length, which no byte-level BPE count exceeds, so the budget still holds. Counts of texts
 * seen before (settled messages, memories) come from a cache: tokenizing is ~1.4 µs a token.
 */
export class TokenCounter {
  private count: CountTokens | undefined;
  private loading: Promise<CountTokens> | undefined;
  private readonly cache = growingLru<string, number>(20_000);

  /** Exact when the encoder is loaded, else an upper bound; `key` names an immutable text for the cache. */
  tokens(text: string, key?: string): number {
    if (key !== undefined) {
      const cached = this.cache.get(key);
      if (cached !== undefined) return cached;
    }
    const count = this.load();
    if (!count) return Buffer.byteLength(text);
    const tokens = count(text);
    if (key !== undefined) this.cache.set(key, tokens);
    return tokens;
  }

  /** Exact, waiting for the encoder if it is still loading (off the chat's critical path). */
  async exactTokens(text: string, key?: string): Promise<number> {
    if (!this.count) await this.ready();
    return this.tokens(text, key);
  }

  messageTokens(message: ChatMessage, key?: string): number {
    let text = message.content ?? '';
    if (message.role === 'assistant' && message.toolCalls) text += message.toolCalls.map((call) => call.name + call.arguments).join('');
    // Images at the provider's rate (the cache key counts the text alone).
    const images = message.role === 'user' && message.images ? message.images.reduce((sum, image) => sum + imageTokens(image), 0) : 0;
    return TOKENS_PER_MESSAGE + this.tokens(text, key) + images;
  }

  ready(): Promise<CountTokens> {
    this.loading ??= import('gpt-tokenizer/encoding/o200k_base').then((module) => (this.count = module.countTokens));
    return this.loading;
  }

  private load(): CountTokens | undefined {
    if (!this.count) void this.ready().catch(() => {});
    return this.count;
  }
}
