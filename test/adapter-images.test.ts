import { randomUUID } from 'node:crypto';
import { type BaseEvent, HttpAgent } from '@ag-ui/client';
import { EventSchema } from '@ag-ui/core/schemas';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { type FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { dataUrl, gif, jpeg, png } from './support/images.js';
import { createAgent, SYSTEM } from './support/memory.js';

/**
 * Images through the protocol adapters: /v1/chat/completions `image_url` parts, /v1/responses
 * `input_image` parts and AG-UI `image` parts reach the model as image_url content parts, sent by
 * the clients people use (the openai SDK, the Vercel AI SDK, @ag-ui/client's HttpAgent). Inline
 * images are stored and replayed; URLs are passed on; bad images are refused in each protocol's
 * error shape naming the content part, with nothing stored. JSON bodies may hold a message's worth
 * of base64 images beyond BODY_LIMIT_BYTES.
 */

/** Small enough to exceed cheaply, large enough that three of them pass BODY_LIMIT_BYTES (1 MiB). */
const IMAGE_LIMIT = 400_000;
const MAX_IMAGES = 3;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** The user messages the model was sent, as OpenAI content. */
const userContents = (request: RecordedRequest) => request.body.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: unknown }) => m.content);

describe.each(storageBackendNames())('images through the protocol adapters on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;

  const client = (apiKey = alice) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  const db = () => gw.database.db;
  const stored = async () => ({
    messages: (await db().selectFrom('messages').select('id').execute()).length,
    files: (await db().selectFrom('files').select('id').execute()).length,
  });
  const files = () => db().selectFrom('files').select(['id', 'user_id', 'media_type', 'byte_size']).execute();
  const userParts = async () => (await db().selectFrom('messages').select(['role', 'parts']).where('role', '=', 'user').orderBy('ordinal').execute()).map((row) => (typeof row.parts === 'string' ? JSON.parse(row.parts) : row.parts));
  const post = (path: string, body: unknown, apiKey = alice) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${apiKey}` }, body: JSON.stringify(body) });

  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false', MEMORY_K: '0', IMAGE_MAX_BYTES: String(IMAGE_LIMIT), MAX_IMAGES_PER_MESSAGE: String(MAX_IMAGES) }, () =>
    createAgent(gw, { id: 'viewer', systemMessage: SYSTEM }),
  );
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  describe('/v1/chat/completions', () => {
    it('the openai SDK: an https image_url part goes to the model as an image_url part, passed on and not stored', async () => {
      const completion = await client().chat.completions.create({
        model: 'viewer',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What breed?' }, { type: 'image_url', image_url: { url: 'https://example.com/dog.jpg', detail: 'low' } }] }],
      });
      expect(completion.choices[0]!.message.content).toBe('echo: What breed?');
      expect(userContents(fake.requests[0]!)).toEqual([[{ type: 'text', text: 'What breed?' }, { type: 'image_url', image_url: { url: 'https://example.com/dog.jpg', detail: 'low' } }]]);
      expect(await userParts()).toEqual([[expect.objectContaining({ type: 'image', url: 'https://example.com/dog.jpg', fileId: null, detail: 'low' })]]);
      expect((await stored()).files).toBe(0);
    });

    it('a data: URL is stored as its sender’s file (typed by its bytes) and replayed as a data: URL in the conversation’s next turn', async () => {
      const image = jpeg(32, 16);
      const { response } = await client()
        .chat.completions.create({ model: 'viewer', messages: [{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: dataUrl(image, 'image/png') } }] }] })
        .withResponse();
      const conversationId = response.headers.get('x-conversation-id')!;
      const [file] = await files();
      expect(file).toEqual({ id: expect.any(String), user_id: 'alice', media_type: 'image/jpeg', byte_size: image.length });

      // The next turn in the stored conversation: the first message comes back to the model with its image.
      await client().chat.completions.create({ model: 'viewer', messages: [{ role: 'user', content: 'And now?' }] }, { headers: { 'x-conversation-id': conversationId } });
      expect(userContents(fake.requests[1]!)).toEqual([[{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: dataUrl(image, 'image/jpeg') } }], 'And now?']);
    });

    it('a history’s images are sent on as they are, the last message’s images are the turn’s; an image alone is a message', async () => {
      const earlier = gif();
      await client().chat.completions.create({
        model: 'viewer',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl(earlier, 'image/webp'), detail: 'high' } }, { type: 'text', text: 'First' }] },
          { role: 'assistant', content: 'A white pixel.' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/b.png' } }] },
        ],
      });
      expect(userContents(fake.requests[0]!)).toEqual([
        [{ type: 'text', text: 'First' }, { type: 'image_url', image_url: { url: dataUrl(earlier, 'image/gif'), detail: 'high' } }],
        [{ type: 'image_url', image_url: { url: 'https://example.com/b.png' } }],
      ]);
      // The history is the caller's: not stored; the turn's URL is passed on.
      expect(await stored()).toEqual({ messages: 2, files: 0 });
    });

    it('the Vercel AI SDK: an image part over /v1/chat/completions', async () => {
      const image = png(4, 4);
      const provider = createOpenAI({ apiKey: alice, baseURL: `${gw.url}/v1` });
      const result = await generateText({
        model: provider.chat('viewer'),
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Colour?' }, { type: 'image', image: new Uint8Array(image), mediaType: 'image/png' }] }],
        maxRetries: 0,
      });
      expect(result.text).toBe('echo: Colour?');
      expect(userContents(fake.requests[0]!)).toEqual([[{ type: 'text', text: 'Colour?' }, { type: 'image_url', image_url: { url: dataUrl(image) } }]]);
      expect((await files()).map((file) => file.media_type)).toEqual(['image/png']);
    });

    it('refuses a bad image in OpenAI’s shape naming the content part, with no model call and nothing stored', async () => {
      const refused = async (messages: unknown[]) => {
        const response = await post('/v1/chat/completions', { model: 'viewer', messages });
        expect(response.status).toBe(400);
        return ((await response.json()) as { error: Record<string, unknown> }).error;
      };
      const text = { type: 'text', text: 'Look' };
      const part = (url: string) => ({ type: 'image_url', image_url: { url } });
      expect(await refused([{ role: 'user', content: [text, part(dataUrl(png(400, 400, true)))] }])).toEqual({
        type: 'invalid_request_error',
        code: 'invalid_image',
        param: 'messages[0].content[1]',
        message: expect.stringMatching(/^Invalid input: messages\[0\]\.content\[1\] is about [\d,]+ bytes; the limit is 400,000 \(IMAGE_MAX_BYTES\)$/),
      });
      expect(await refused([{ role: 'user', content: [part('https://example.com/a.png'), text, part(dataUrl(PDF))] }])).toMatchObject({
        param: 'messages[0].content[2]',
        message: expect.stringContaining('messages[0].content[2] is not a PNG, JPEG, WebP or GIF image'),
      });
      const many = await refused([{ role: 'user', content: [text, ...Array.from({ length: MAX_IMAGES + 1 }, () => part('https://example.com/a.png'))] }]);
      expect(many).toMatchObject({ param: 'messages[0].content', message: expect.stringContaining('messages[0].content may hold at most 3 images (MAX_IMAGES_PER_MESSAGE)') });
      // An image of the history, by its index in the request.
      const history = await refused([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [text, part('http://example.com/a.png')] }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'Again' }]);
      expect(history).toMatchObject({ param: 'messages[1].content[1]', message: expect.stringContaining('must be https') });
      expect(await refused([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'ultra' } }] }])).toMatchObject({ param: 'messages[0].content[0].image_url.detail' });
      // Images are the user's: an assistant's image part is refused as before.
      expect(await refused([{ role: 'assistant', content: [part('https://example.com/a.png')] }, { role: 'user', content: 'Hi' }])).toMatchObject({ param: 'messages[0].content[0]' });
      expect(fake.requests).toHaveLength(0);
      expect(await stored()).toEqual({ messages: 0, files: 0 });
    });

    it('takes a message’s worth of base64 images beyond BODY_LIMIT_BYTES; a larger body is 413 in OpenAI’s shape', async () => {
      const images = Array.from({ length: MAX_IMAGES }, () => png(360, 360, true));
      expect(images.every((image) => image.length < IMAGE_LIMIT)).toBe(true);
      const content = [{ type: 'text', text: 'Three' }, ...images.map((image) => ({ type: 'image_url', image_url: { url: dataUrl(image) } }))];
      const accepted = await post('/v1/chat/completions', { model: 'viewer', messages: [{ role: 'user', content }] });
      expect(JSON.stringify({ content }).length).toBeGreaterThan(1_048_576);
      expect(accepted.status).toBe(200);
      expect((await files()).length).toBe(MAX_IMAGES);

      const limit = 1_048_576 + MAX_IMAGES * Math.ceil(IMAGE_LIMIT / 3) * 4;
      const tooLarge = await post('/v1/chat/completions', { model: 'viewer', messages: [{ role: 'user', content: 'x'.repeat(limit) }] });
      expect(tooLarge.status).toBe(413);
      expect(((await tooLarge.json()) as { error: Record<string, unknown> }).error).toMatchObject({ code: 'request_too_large', message: expect.stringContaining(`larger than ${limit} bytes`) });
    });
  });

  describe('/v1/responses', () => {
    it('the openai SDK: an input_image data: URL is stored, listed in input_items, replayed after previous_response_id, and named again by its file_id', async () => {
      const image = png(8, 8);
      const first = await client().responses.create({
        model: 'viewer',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Describe' }, { type: 'input_image', image_url: dataUrl(image), detail: 'high' }] }],
      });
      expect(first.output_text).toBe('echo: Describe');
      expect(userContents(fake.requests[0]!)).toEqual([[{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: dataUrl(image), detail: 'high' } }]]);
      const [file] = await files();
      expect(file).toMatchObject({ user_id: 'alice', media_type: 'image/png', byte_size: image.length });

      const items = await client().responses.inputItems.list(first.id);
      expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Describe' }, { type: 'input_image', file_id: file!.id, image_url: null, detail: 'high' }] });

      await client().responses.create({ model: 'viewer', previous_response_id: first.id, input: 'And again?' });
      expect(userContents(fake.requests[1]!)).toEqual([[{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: dataUrl(image), detail: 'high' } }], 'And again?']);

      // file_id names an image muxgate stored (GET /files/{id}): its owner may send it again; another user may not.
      await client().responses.create({ model: 'viewer', input: [{ role: 'user', content: [{ type: 'input_image', file_id: file!.id, detail: 'low' }] }] });
      expect(userContents(fake.requests[2]!).at(-1)).toEqual([{ type: 'image_url', image_url: { url: dataUrl(image), detail: 'low' } }]);
      const before = await stored();
      const theirs = await post('/v1/responses', { model: 'viewer', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Mine?' }, { type: 'input_image', file_id: file!.id }] }] }, bob);
      expect(theirs.status).toBe(400);
      expect(((await theirs.json()) as { error: unknown }).error).toMatchObject({ param: 'input[0].content[1]', message: expect.stringContaining('names no stored image') });
      expect(await stored()).toEqual(before);
    });

    it('the Vercel AI SDK’s default provider: an image part over /v1/responses', async () => {
      const image = jpeg();
      const provider = createOpenAI({ apiKey: alice, baseURL: `${gw.url}/v1` });
      const result = await generateText({
        model: provider('viewer'),
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Grey?' }, { type: 'image', image: new Uint8Array(image), mediaType: 'image/jpeg' }] }],
        maxRetries: 0,
      });
      expect(result.response.id).toMatch(/^resp_/);
      expect(result.text).toBe('echo: Grey?');
      expect(userContents(fake.requests[0]!)).toEqual([[{ type: 'text', text: 'Grey?' }, { type: 'image_url', image_url: { url: dataUrl(image, 'image/jpeg') } }]]);
      expect((await files()).map((file) => file.media_type)).toEqual(['image/jpeg']);
    });

    it('refuses a bad input_image in OpenAI’s shape naming the part, with no model call and nothing stored', async () => {
      const refused = async (input: unknown) => {
        const response = await post('/v1/responses', { model: 'viewer', input });
        expect(response.status).toBe(400);
        return ((await response.json()) as { error: Record<string, unknown> }).error;
      };
      const text = { type: 'input_text', text: 'Look' };
      const image = (url: string) => ({ type: 'input_image', image_url: url });
      expect(await refused([{ role: 'user', content: [text, image(dataUrl(png(400, 400, true)))] }])).toMatchObject({ param: 'input[0].content[1]', code: 'invalid_image', message: expect.stringContaining('(IMAGE_MAX_BYTES)') });
      expect(await refused([{ role: 'user', content: [image(dataUrl(PDF, 'image/gif'))] }])).toMatchObject({ param: 'input[0].content[0]', message: expect.stringContaining('is not a PNG, JPEG, WebP or GIF image') });
      expect(await refused([{ role: 'user', content: Array.from({ length: MAX_IMAGES + 1 }, () => image('https://example.com/a.png')) }])).toMatchObject({ param: 'input[0].content', message: expect.stringContaining('(MAX_IMAGES_PER_MESSAGE)') });
      // A history message's image, by its item: the history index skips items that are not messages.
      const history = await refused([
        { type: 'reasoning', summary: [] },
        { role: 'user', content: [text, image('ftp://example.com/a.png')] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'Again' },
      ]);
      expect(history).toMatchObject({ param: 'input[1].content[1]', message: expect.stringContaining('input[1].content[1] must be an https URL') });
      expect(await refused([{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/a.png', file_id: 'x' }] }])).toMatchObject({ param: 'input[0].content[0]' });
      expect(await refused([{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }])).toMatchObject({ param: 'input[0].content[0]' });
      expect(fake.requests).toHaveLength(0);
      expect(await stored()).toEqual({ messages: 0, files: 0 });
    });
  });

  describe('AG-UI', () => {
    /** An HttpAgent as a frontend builds it, every event checked against the protocol's schema. */
    const agent = (content: unknown, token = alice) => {
      const http = new HttpAgent({ url: `${gw.url}/ag-ui/viewer`, headers: { authorization: `Bearer ${token}` }, threadId: randomUUID(), initialMessages: [{ id: randomUUID(), role: 'user', content: content as string }] });
      const events: BaseEvent[] = [];
      http.subscribe({ onEvent: ({ event }) => void events.push(EventSchema.parse(event) as BaseEvent) });
      return { http, events };
    };

    it('HttpAgent: an image part with inline data is stored and sent as a data: URL; one with a URL is passed on', async () => {
      const image = png(2, 3);
      const run = agent([
        { type: 'text', text: 'Both?' },
        { type: 'image', source: { type: 'data', value: image.toString('base64'), mimeType: 'image/webp' }, metadata: { detail: 'low' } },
        { type: 'image', source: { type: 'url', value: 'https://example.com/c.gif' } },
      ]);
      await run.http.runAgent();
      expect(run.events.at(-1)).toMatchObject({ type: 'RUN_FINISHED' });
      expect(userContents(fake.requests[0]!)).toEqual([
        [{ type: 'text', text: 'Both?' }, { type: 'image_url', image_url: { url: dataUrl(image), detail: 'low' } }, { type: 'image_url', image_url: { url: 'https://example.com/c.gif' } }],
      ]);
      expect(await files()).toEqual([expect.objectContaining({ user_id: 'alice', media_type: 'image/png', byte_size: image.length })]);
      expect(await userParts()).toEqual([[expect.objectContaining({ fileId: expect.any(String), detail: 'low' }), expect.objectContaining({ url: 'https://example.com/c.gif' })]]);
    });

    it('a file source names a stored image by its muxgate file id', async () => {
      const image = gif();
      await agent([{ type: 'image', source: { type: 'data', value: image.toString('base64'), mimeType: 'image/gif' } }]).http.runAgent();
      const [file] = await files();
      await agent([{ type: 'text', text: 'Again' }, { type: 'image', source: { type: 'file', value: file!.id } }]).http.runAgent();
      expect(userContents(fake.requests[1]!)).toEqual([[{ type: 'text', text: 'Again' }, { type: 'image_url', image_url: { url: dataUrl(image, 'image/gif') } }]]);
      expect((await files()).length).toBe(1);
    });

    it('refuses a bad image with RUN_ERROR naming the part, and stores nothing', async () => {
      const refused = async (content: unknown[], earlier: unknown[] = []) => {
        const response = await post('/ag-ui/viewer', { threadId: randomUUID(), runId: randomUUID(), messages: [...earlier, { id: 'm1', role: 'user', content }], tools: [], context: [] });
        const frames = (await response.text()).split('\n\n').filter((frame) => frame.includes('data: '));
        expect(frames).toHaveLength(1);
        return EventSchema.parse(JSON.parse(/^data: (.*)$/m.exec(frames[0]!)![1]!)) as Record<string, any>;
      };
      const text = { type: 'text', text: 'Look' };
      const data = (bytes: Buffer) => ({ type: 'image', source: { type: 'data', value: bytes.toString('base64'), mimeType: 'image/png' } });
      expect(await refused([text, data(png(400, 400, true))])).toMatchObject({ type: 'RUN_ERROR', code: 'BAD_USER_INPUT', metadata: { field: 'messages[0].content[1]' }, message: expect.stringContaining('(IMAGE_MAX_BYTES)') });
      expect(await refused([data(PDF)])).toMatchObject({ type: 'RUN_ERROR', metadata: { field: 'messages[0].content[0]' }, message: expect.stringContaining('messages[0].content[0] is not a PNG, JPEG, WebP or GIF image') });
      expect(await refused([text, ...Array.from({ length: MAX_IMAGES + 1 }, () => data(gif()))])).toMatchObject({ metadata: { field: 'messages[0].content' }, message: expect.stringContaining('(MAX_IMAGES_PER_MESSAGE)') });
      expect(await refused([{ type: 'image', source: { type: 'file', value: 'file-abc', provider: 'openai' } }])).toMatchObject({ metadata: { field: 'messages[0].content[0].source.provider' } });
      expect(await refused([{ type: 'image', source: { type: 'url', value: 'https://example.com/a.png' }, metadata: { detail: 'ultra' } }])).toMatchObject({ metadata: { field: 'messages[0].content[0].metadata.detail' } });
      // A new thread's history: its message index in the request, though the core's history skips the activity message.
      const history = [
        { id: 'a0', role: 'activity', activityType: 'progress', content: {} },
        { id: 'u1', role: 'user', content: [text, { type: 'image', source: { type: 'url', value: 'http://example.com/a.png' } }] },
        { id: 'a2', role: 'assistant', content: 'ok' },
      ];
      expect(await refused([text], history)).toMatchObject({ metadata: { field: 'messages[1].content[1]' }, message: expect.stringContaining('messages[1].content[1] must be https') });
      expect(await refused([text, { type: 'audio', source: { type: 'url', value: 'https://example.com/a.mp3' } }])).toMatchObject({ metadata: { field: 'messages[0].content[1]' } });
      expect(fake.requests).toHaveLength(0);
      expect(await stored()).toEqual({ messages: 0, files: 0 });
    });
  });
});
