import type OpenAI from 'openai';
import { lazyImport } from '../lazy-import.js';
import { nodeHttpFetch } from './node-http-fetch.js';

export interface OpenAIProviderOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/** The SDK, loaded at the first model call: about 6 MB of heap that a gateway holds only once it calls a model. Until then no error can be one of its own (`openAISdk.loaded`). */
export const openAISdk = lazyImport(() => import('openai'));

/** The SDK client both model kinds use, built at first use: its retries, timeouts and errors, over the cheaper keep-alive transport. */
export class OpenAIClient {
  private client: OpenAI | undefined;

  constructor(private readonly options: OpenAIProviderOptions) {}

  async get(): Promise<OpenAI> {
    if (this.client) return this.client;
    const { default: OpenAI } = await openAISdk();
    return (this.client ??= new OpenAI({
      // The SDK insists on a key; local servers ignore it, so a placeholder lets them work keyless.
      apiKey: this.options.apiKey ?? 'not-needed',
      baseURL: this.options.baseURL,
      timeout: this.options.timeoutMs,
      maxRetries: this.options.maxRetries,
      fetch: nodeHttpFetch,
    }));
  }
}
