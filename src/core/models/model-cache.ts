import { createHash } from 'node:crypto';
import type { LRUCache } from 'lru-cache';
import { growingLru } from '../caching/growing-lru.js';
import { type CacheMeter, UNMETERED } from '../metrics/metrics.js';
import type { ChatChunk, ChatRequest } from './chat-model.js';
import type { ResolvedModel } from './model-registry.js';

export interface ModelCacheOptions {
  size: number;
  /** Cache answers at any temperature, not only at 0 where they are meant to repeat. */
  anyTemperature: boolean;
  /** Counts lookups of cacheable requests. */
  meter?: CacheMeter | undefined;
}

/** Remembers whole streamed answers by model, parameters and messages, and replays them. */
export class ModelCache {
  /** Each answer with the users whose requests it answered: erasing a user drops the answers holding their text. */
  private readonly entries: LRUCache<string, { chunks: ChatChunk[]; owners: Set<string | null> }>;

  constructor(private readonly options: ModelCacheOptions) {
    this.entries = growingLru(options.size);
  }

  /** Streams from the cache on a hit (calling `onReplay` first); otherwise from the model, remembering a completed answer. */
  async *stream(resolved: ResolvedModel, request: ChatRequest, onReplay?: () => void, owner: string | null = null): AsyncIterable<ChatChunk> {
    const key = this.keyFor(resolved, request);
    if (key === undefined) {
      yield* resolved.model.stream(request);
      return;
    }
    const hit = this.entries.get(key);
    const meter = this.options.meter ?? UNMETERED;
    if (hit) {
      meter.hit();
      hit.owners.add(owner);
      onReplay?.();
      yield* hit.chunks;
      return;
    }
    meter.miss();
    const recorded: ChatChunk[] = [];
    let finished = false;
    for await (const chunk of resolved.model.stream(request)) {
      recorded.push(chunk);
      if (chunk.type === 'finish') finished = true;
      yield chunk;
    }
    if (finished && !request.signal.aborted) this.entries.set(key, { chunks: recorded, owners: new Set([owner]) });
  }

  /** Forgets every answer (Redis came back: an erasure on another replica may have been missed). */
  clear(): void {
    this.entries.clear();
  }

  /** Drops every answer given to this user's requests; the number dropped. */
  forgetUser(userId: string): number {
    let dropped = 0;
    for (const [key, entry] of this.entries.entries()) {
      if (entry.owners.has(userId) && this.entries.delete(key)) dropped++;
    }
    return dropped;
  }

  private keyFor(resolved: ResolvedModel, request: ChatRequest): string | undefined {
    if (!this.options.anyTemperature && request.temperature !== 0) return undefined;
    const material = JSON.stringify([resolved.qualifiedName, request.temperature, request.maxTokens, request.stop ?? [], request.tools ?? [], request.messages, request.jsonSchema ?? null, request.jsonObject ?? false]);
    return createHash('sha256').update(material).digest('hex');
  }
}
