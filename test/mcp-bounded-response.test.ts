import { describe, expect, it } from 'vitest';
import { boundedResponse, tooLargeText } from '../src/core/mcp/bounded-response.js';

/**
 * The SSE side of an MCP server's answer, read through boundedResponse with crafted chunks: what
 * the MCP client would then read, event by event.
 */
const MAX = 1000;

const event = (id: number, filler = 0) => `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'x'.repeat(filler) }] } })}\n\n`;

async function throughBound(chunks: string[], request?: { id: unknown; method: string }) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  let unanswerable = false;
  const response = await boundedResponse(new Response(body, { headers: { 'content-type': 'text/event-stream' } }), request, MAX, () => (unanswerable = true));
  const text = await response.text();
  const answers = text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => JSON.parse(block.split('\n').find((line) => line.startsWith('data: '))!.slice(6)));
  return { answers, unanswerable };
}

const tooLarge = (id: number) => ({ jsonrpc: '2.0', id, error: { code: -32603, message: tooLargeText(MAX) } });

describe('boundedResponse on a shared SSE stream (HTTP+SSE)', () => {
  it('after skipping the rest of a too-large event, passes on every complete event that followed it in the same chunk', async () => {
    const big = event(1, 3000);
    const { answers } = await throughBound([big.slice(0, 1500), `${big.slice(1500)}${event(2)}${event(3)}`, event(4)]);
    expect(answers.map((answer) => answer.id)).toEqual([1, 2, 3, 4]);
    expect(answers[0]).toEqual(tooLarge(1));
    expect(answers[1].result).toBeDefined();
  });

  it('refuses an event that the chunk completing it takes past the limit', async () => {
    const big = event(5, 1200);
    const { answers } = await throughBound([event(4), big.slice(0, 700), `${big.slice(700)}${event(6)}`]);
    expect(answers.map((answer) => answer.id)).toEqual([4, 5, 6]);
    expect(answers[1]).toEqual(tooLarge(5));
    expect(answers[2].result).toBeDefined();
  });

  it('refuses a too-large event that arrives whole, between two small ones in one chunk', async () => {
    const { answers, unanswerable } = await throughBound([`${event(7)}${event(8, 2000)}${event(9)}`]);
    expect(answers.map((answer) => answer.id)).toEqual([7, 8, 9]);
    expect(answers[1]).toEqual(tooLarge(8));
    expect(unanswerable).toBe(false);
  });

  it('ends the stream at a too-large event with no id near its start, and says so', async () => {
    const { answers, unanswerable } = await throughBound([`${event(7)}data: ${'x'.repeat(2000)}\n\n${event(9)}`]);
    expect(answers.map((answer) => answer.id)).toEqual([7]);
    expect(unanswerable).toBe(true);
  });
});

describe('boundedResponse on a request’s own SSE stream', () => {
  it('answers a tool call whose result event completes past the limit with an isError result, and ends', async () => {
    const big = event(11, 1500);
    const { answers } = await throughBound([big.slice(0, 900), big.slice(900)], { id: 11, method: 'tools/call' });
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 11, result: { resultType: 'complete', content: [{ type: 'text', text: tooLargeText(MAX) }], isError: true } }]);
  });
});
