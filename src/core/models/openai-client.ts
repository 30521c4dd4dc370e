import type OpenAI from 'openai';
import { nodeHttpFetch } from './node-http-fetch.js';

export interface OpenAIProviderOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

type OpenAISdk = typeof import('openai');
let loading: Promise<OpenAISdk> | undefined;
let loaded: OpenAISdk | undefined;

/** The SDK, loaded at the first model call: about 6 MB of heap that a gateway holds only once it calls a model. */
export function openAISdk(): Promise<OpenAISdk> {
  return (loading ??= import('openai').then((sdk) => (loaded = sdk)));
}

/** The SDK if a model call has loaded it; until then no error can be one of its own. */
export const loadedOpenAISdk = (): OpenAISdk | undefined => loaded;

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
