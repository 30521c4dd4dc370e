import { readEventStream } from './subscriptions.js';

/** Polls until `check` returns something truthy; generous, with no timing asserted. */
export async function until<T>(check: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One GraphQL-over-SSE subscription on a replica (Yoga's distinct connections): its events as they come, a way to drop it, and its end. */
export function sseSubscription(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const controller = new AbortController();
  const events: any[] = [];
  const errors: any[] = [];
  let ended = false;
  const done = (async () => {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      for await (const { event, data } of readEventStream(response)) {
        if (event !== 'next') continue;
        if (data.errors) errors.push(...data.errors);
        const value = data.data && Object.values(data.data)[0];
        if (value) events.push(value);
      }
    } catch (error) {
      if (!controller.signal.aborted) errors.push({ message: String(error) });
    } finally {
      ended = true;
    }
  })();
  return {
    events,
    errors,
    get ended() {
      return ended;
    },
    done,
    text: () => events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text).join(''),
    drop: () => controller.abort(),
  };
}
