import OpenAI from 'openai';
import { nodeHttpFetch } from './node-http-fetch.js';

export interface OpenAIProviderOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/** The SDK client both model kinds use: its retries, timeouts and errors, over the cheaper keep-alive transport. */
export function createOpenAIClient(options: OpenAIProviderOptions): OpenAI {
  return new OpenAI({
    // The SDK insists on a key; local servers ignore it, so a placeholder lets them work keyless.
    apiKey: options.apiKey ?? 'not-needed',
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    fetch: nodeHttpFetch,
  });
}
