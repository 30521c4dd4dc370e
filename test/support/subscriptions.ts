import type { Client, FormattedExecutionResult } from 'graphql-ws';

/** Collects a graphql-ws subscription's results; `next(n)` waits until n have arrived. */
export function collect<T = any>(client: Client, query: string, variables?: Record<string, unknown>) {
  const results: FormattedExecutionResult<T, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let error: unknown;
  let completed = false;
  const wake = () => waiters.splice(0).forEach((wake) => wake());
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        results.push(value);
        wake();
      },
      error: (e) => {
        error = e;
        wake();
      },
      complete: () => {
        completed = true;
        wake();
      },
    },
  );
  const until = async (done: () => boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; got ${JSON.stringify(results)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    results,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    unsubscribe,
    next: (count: number) => until(() => results.length >= count || error !== undefined || completed, `${count} results`),
    /** Until `done` holds (checked as each result arrives), the subscription failed or it ended. */
    until: (done: () => boolean, what: string) => until(() => done() || error !== undefined || completed, what),
    ended: () => until(() => error !== undefined || completed, 'the end of the subscription'),
  };
}

/** Reads a GraphQL-over-SSE response (Yoga's distinct-connections mode) as parsed `next` payloads. */
export async function* readEventStream(response: Response): AsyncGenerator<{ event: string; data: any }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0 && event === 'message') continue; // comments and keep-alives
      const text = data.join('\n');
      yield { event, data: text ? JSON.parse(text) : undefined };
    }
  }
}
