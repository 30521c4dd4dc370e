import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageTokens, UNKNOWN_IMAGE_TOKENS } from '../src/core/images/image-tokens.js';
import { sniffImage } from '../src/core/images/image-type.js';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { dataUrl, gif, graphqlMultipart, jpeg, png, postGraphQLForm, webp } from './support/images.js';
import { createAgent, issueTokens, SYSTEM } from './support/memory.js';
import { rest } from './support/rest.js';
import { collect } from './support/subscriptions.js';

/**
 * Images in messages: uploads (GraphQL multipart request spec, REST multipart/form-data), data:
 * URLs and https URLs reach the model as image_url content parts; stored images are rows of
 * `files`, replayed with the conversation's history and served to their owner at /files/{id};
 * bad images are refused by field with nothing stored.
 */

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { conversationId message { content } } }`;
const PARTS = `... on TextPart { __typename text } ... on ImagePart { __typename url fileId mediaType byteSize width height filename detail }`;
const CONVERSATION = `query($id: ID!) { conversation(id: $id) { messages { role content parts { ${PARTS} } } } }`;
const STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunStarted { conversationId } ... on MessageCompleted { content } ... on RunFailed { code message } } }`;

/** The user message the model was sent last, as OpenAI content parts. */
const lastUserContent = (request: RecordedRequest) => [...request.body.messages].reverse().find((m: { role: string }) => m.role === 'user').content;
const userContents = (request: RecordedRequest) => request.body.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: unknown }) => m.content);

const LIMIT = 4_096;

/** The first GraphQL error of a response that must have one. */
const firstError = (response: { body: { errors?: Array<{ message: string; extensions?: Record<string, any> }> } }) => response.body.errors![0]!;

describe.each(storageBackendNames())('images in messages on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;

  const files = () => gw.database.db.selectFrom('files').select(['id', 'user_id', 'media_type', 'byte_size', 'width', 'height', 'filename']).execute();
  const messages = () => gw.database.db.selectFrom('messages').select(['role', 'content', 'parts']).orderBy('ordinal').execute();
  const chatForm = (input: Record<string, unknown>, file: { bytes: Buffer; name: string; type?: string }, credential = alice) =>
    postGraphQLForm(gw, graphqlMultipart(CHAT, { input: { agentId: 'viewer', ...input, images: [{ file: null }] } }, [{ path: 'variables.input.images.0.file', ...file }]), credential);
  const chat = (input: Record<string, unknown>, credential = alice) => gw.gql(CHAT, { input: { agentId: 'viewer', ...input } }, credential);

  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false', IMAGE_MAX_BYTES: String(LIMIT), MAX_IMAGES_PER_MESSAGE: '3' }, () => createAgent(gw, { id: 'viewer', systemMessage: SYSTEM }));
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  it('takes an upload by the GraphQL multipart request spec, sends it to the model as a data: URL part, and stores it as its sender’s file', async () => {
    const image = png(640, 480);
    const answered = await chatForm({ message: 'What is in this picture?' }, { bytes: image, name: 'holiday.png', type: 'text/plain' });
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data.chat.message.content).toBe('echo: What is in this picture?');

    expect(lastUserContent(fake.requests[0]!)).toEqual([
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: dataUrl(image) } },
    ]);
    const [file] = await files();
    expect(file).toEqual({ id: expect.any(String), user_id: 'alice', media_type: 'image/png', byte_size: image.length, width: 640, height: 480, filename: 'holiday.png' });

    const conversation = await gw.gql(CONVERSATION, { id: answered.body.data.chat.conversationId }, alice);
    expect(conversation.body.data.conversation.messages[0]).toEqual({
      role: 'USER',
      content: 'What is in this picture?',
      parts: [
        { __typename: 'TextPart', text: 'What is in this picture?' },
        { __typename: 'ImagePart', url: `/files/${file!.id}`, fileId: file!.id, mediaType: 'image/png', byteSize: image.length, width: 640, height: 480, filename: 'holiday.png', detail: null },
      ],
    });
  });

  it('serves a stored image to its owner alone: GET /files/{id} with its type, length and cache headers; anyone else 404, no credential 401', async () => {
    const image = jpeg(32, 16);
    await chatForm({ message: 'look' }, { bytes: image, name: 'x.png', type: 'image/png' });
    const [file] = await files();
    expect(file!.media_type).toBe('image/jpeg');

    const response = await fetch(`${gw.url}/files/${file!.id}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('content-length')).toBe(String(image.length));
    expect(response.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(image);
    const etag = response.headers.get('etag')!;
    const again = await fetch(`${gw.url}/files/${file!.id}`, { headers: { authorization: `Bearer ${alice}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const admin = await fetch(`${gw.url}/files/${file!.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(admin.status).toBe(200);
    const other = await rest(gw, 'GET', `/files/${file!.id}`, { key: bob });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: { code: 'NOT_FOUND', message: `File "${file!.id}" was not found`, id: file!.id } });
    expect((await rest(gw, 'GET', '/files/nothing-here', { key: alice })).status).toBe(404);
    expect((await rest(gw, 'GET', `/files/${file!.id}`)).status).toBe(401);
  });

  it('takes a data: URL over graphql-ws, typed by its bytes (a JPEG claimed as PNG), and replays it in the next turn from the database', async () => {
    const image = jpeg(16, 8);
    const client = gw.ws({ authorization: `Bearer ${alice}` });
    const sub = collect(client, STREAM, { input: { agentId: 'viewer', message: 'Describe it', images: [{ dataUrl: dataUrl(image, 'image/png'), detail: 'LOW' }] } });
    await sub.ended();
    await client.dispose();
    expect(sub.error).toBeUndefined();
    const events = sub.results.map((result) => result.data?.chatStream);
    expect(events.at(-1)).toEqual({ __typename: 'MessageCompleted', content: 'echo: Describe it' });
    const jpegUrl = dataUrl(image, 'image/jpeg');
    expect(lastUserContent(fake.requests[0]!)).toEqual([{ type: 'text', text: 'Describe it' }, { type: 'image_url', image_url: { url: jpegUrl, detail: 'low' } }]);

    const conversationId = events[0].conversationId;
    const next = await chat({ message: 'And the colours?', conversationId });
    expect(next.body.errors).toBeUndefined();
    // The earlier message comes back with its image (read from `files`), the new one as plain text.
    expect(userContents(fake.requests[1]!)).toEqual([[{ type: 'text', text: 'Describe it' }, { type: 'image_url', image_url: { url: jpegUrl, detail: 'low' } }], 'And the colours?']);
  });

  it('passes an https URL to the model as it is, storing no file; the part keeps the URL', async () => {
    const url = 'https://images.example.com/cat.webp?size=large';
    const answered = await chat({ message: 'Whose cat?', images: [{ url, detail: 'HIGH' }] });
    expect(answered.body.errors).toBeUndefined();
    expect(lastUserContent(fake.requests[0]!)).toEqual([{ type: 'text', text: 'Whose cat?' }, { type: 'image_url', image_url: { url, detail: 'high' } }]);
    expect(await files()).toEqual([]);
    expect((await messages())[0]!.parts).toEqual([{ type: 'image', fileId: null, url, mediaType: null, byteSize: null, width: null, height: null, filename: null, detail: 'high' }]);
  });

  it('sends a stored image again by fileId (the owner’s own only) and takes a message of images alone', async () => {
    const image = gif();
    const first = await chat({ message: 'first', images: [{ dataUrl: dataUrl(image, 'image/gif') }] });
    const [file] = await files();
    const again = await chat({ message: '', conversationId: first.body.data.chat.conversationId, images: [{ fileId: file!.id }] });
    expect(again.body.errors).toBeUndefined();
    expect(lastUserContent(fake.requests[1]!)).toEqual([{ type: 'image_url', image_url: { url: dataUrl(image, 'image/gif') } }]);
    expect(await files()).toHaveLength(1);

    const before = await messages();
    const refused = await chat({ message: 'mine now', images: [{ fileId: file!.id }] }, bob);
    expect(firstError(refused).extensions!.code).toBe('BAD_USER_INPUT');
    expect(firstError(refused).message).toContain('images.0.fileId');
    expect(await messages()).toEqual(before);
  });

  it('takes REST multipart/form-data (files and URLs as text) and JSON (data_url, url); message JSON carries the parts', async () => {
    const form = new FormData();
    form.append('message', 'Compare these');
    form.append('images', new Blob([new Uint8Array(webp())]), 'a.webp');
    form.append('images', 'https://example.org/b.png');
    form.append('metadata', JSON.stringify({ source: 'form' }));
    const multipart = await fetch(`${gw.url}/chat/viewer`, { method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: form });
    expect(multipart.status).toBe(200);
    const answer = await multipart.json();
    expect(answer.response).toBe('echo: Compare these');
    expect(lastUserContent(fake.requests[0]!)).toEqual([
      { type: 'text', text: 'Compare these' },
      { type: 'image_url', image_url: { url: dataUrl(webp(), 'image/webp') } },
      { type: 'image_url', image_url: { url: 'https://example.org/b.png' } },
    ]);

    const json = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'And this?', conversation_id: answer.conversation_id, images: [{ data_url: dataUrl(png(), 'image/gif'), detail: 'low' }] } });
    expect(json.status).toBe(200);
    const stored = await files();
    expect(stored.map((file) => file.media_type).sort()).toEqual(['image/png', 'image/webp']);

    const conversation = await rest(gw, 'GET', `/conversations/${answer.conversation_id}`, { key: alice });
    const webpFile = stored.find((file) => file.media_type === 'image/webp')!;
    expect(conversation.body.messages[0]).toMatchObject({ role: 'user', metadata: { source: 'form' } });
    expect(conversation.body.messages[0].parts).toEqual([
      { type: 'text', text: 'Compare these', url: null, file_id: null, media_type: null, byte_size: null, width: null, height: null, filename: null, detail: null },
      { type: 'image', text: null, url: `/files/${webpFile.id}`, file_id: webpFile.id, media_type: 'image/webp', byte_size: webp().length, width: 1, height: 1, filename: 'a.webp', detail: null },
      { type: 'image', text: null, url: 'https://example.org/b.png', file_id: null, media_type: null, byte_size: null, width: null, height: null, filename: null, detail: null },
    ]);
    expect(conversation.body.messages[1].parts).toEqual([expect.objectContaining({ type: 'text', text: 'echo: Compare these' })]);
  });

  it('streams a REST multipart chat from POST /runs', async () => {
    const form = new FormData();
    form.append('message', 'stream it');
    form.append('agent_id', 'viewer');
    form.append('images', new Blob([new Uint8Array(gif())]), 'g.gif');
    const response = await fetch(`${gw.url}/runs`, { method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: form });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(await response.text()).toContain('event: MessageCompleted');
    expect(lastUserContent(fake.requests[0]!)[1]).toEqual({ type: 'image_url', image_url: { url: dataUrl(gif(), 'image/gif') } });
  });

  describe('bad images: refused by field, no model call, nothing stored', () => {
    const tooBig = png(64, 64, true);
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n', 'latin1');
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['over IMAGE_MAX_BYTES', { dataUrl: dataUrl(tooBig) }, `images.0.dataUrl is about`],
      ['another type (claimed PNG)', { dataUrl: dataUrl(pdf) }, 'images.0.dataUrl is not a PNG, JPEG, WebP or GIF image'],
      ['a bad data: URL', { dataUrl: 'data:image/png,not-base64' }, 'images.0.dataUrl must be a base64 data: URL'],
      ['bad base64', { dataUrl: 'data:image/png;base64,@@@@' }, 'images.0.dataUrl is not valid base64'],
      ['an http URL elsewhere', { url: 'http://example.com/cat.png' }, 'images.0.url must be https (http only for localhost)'],
      ['another scheme', { url: 'ftp://example.com/cat.png' }, 'images.0.url must be an https URL'],
      ['an unknown file id', { fileId: 'no-such-file' }, 'images.0.fileId names no stored image'],
      ['two sources at once', { url: 'https://example.com/a.png', fileId: 'x' }, 'images.0 must give exactly one of url, dataUrl, an upload (file) or fileId'],
    ];

    const assertNothingStored = async () => {
      expect(fake.requests).toHaveLength(0);
      expect(await messages()).toEqual([]);
      expect(await files()).toEqual([]);
    };

    for (const [what, image, message] of cases) {
      it(`GraphQL: ${what}`, async () => {
        const response = await chat({ message: 'look', images: [image] });
        expect(firstError(response).extensions?.code).toBe('BAD_USER_INPUT');
        expect(firstError(response).message).toContain(message);
        await assertNothingStored();
      });
    }

    it('GraphQL: an upload over the limit or of another type names the file', async () => {
      const big = await chatForm({ message: 'look' }, { bytes: tooBig, name: 'big.png' });
      expect(firstError(big)).toMatchObject({ message: expect.stringContaining(`images.0.file is ${tooBig.length.toLocaleString('en')} bytes; the limit is ${LIMIT.toLocaleString('en')} (IMAGE_MAX_BYTES)`), extensions: { code: 'BAD_USER_INPUT' } });
      const other = await chatForm({ message: 'look' }, { bytes: pdf, name: 'scan.png', type: 'image/png' });
      expect(firstError(other).message).toContain('images.0.file is not a PNG, JPEG, WebP or GIF image');
      await assertNothingStored();
    });

    it('GraphQL: too many images, another user’s file', async () => {
      const tooMany = await chat({ message: 'look', images: [1, 2, 3, 4].map(() => ({ url: 'https://example.com/a.png' })) });
      expect(firstError(tooMany)).toMatchObject({ message: expect.stringContaining('images may hold at most 3 images (MAX_IMAGES_PER_MESSAGE)'), extensions: { code: 'BAD_USER_INPUT' } });
      await assertNothingStored();

      await chat({ message: 'mine', images: [{ dataUrl: dataUrl(gif()) }] }, bob);
      const [bobs] = await files();
      const before = { messages: await messages(), requests: fake.requests.length };
      const theirs = await chat({ message: 'look', images: [{ fileId: bobs!.id }] });
      expect(firstError(theirs)).toMatchObject({ message: expect.stringContaining('images.0.fileId names no stored image'), extensions: { code: 'BAD_USER_INPUT' } });
      expect(await messages()).toEqual(before.messages);
      expect(await files()).toEqual([bobs]);
      expect(fake.requests).toHaveLength(before.requests);
    });

    it('REST: JSON and multipart refusals name the snake_case field with 400', async () => {
      const json = await rest(gw, 'POST', '/chat/viewer', { key: alice, body: { message: 'look', images: [{ data_url: dataUrl(pdf) }] } });
      expect(json.status).toBe(400);
      expect(json.body.error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('images.0.data_url is not a PNG, JPEG, WebP or GIF image') });
      const unknownField = await rest(gw, 'POST', '/chat/viewer', { key: alice, body: { message: 'look', images: [{ link: 'x' }] } });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.error.message).toContain('images.0.link is not a known field');

      const form = new FormData();
      form.append('message', 'look');
      for (let i = 0; i < 4; i++) form.append('images', new Blob([new Uint8Array(gif())]), 'g.gif');
      const many = await fetch(`${gw.url}/chat/viewer`, { method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: form });
      expect(many.status).toBe(400);
      expect((await many.json()).error.message).toContain('images may hold at most 3 images');

      const big = new FormData();
      big.append('message', 'look');
      big.append('images', new Blob([new Uint8Array(tooBig)]), 'big.png');
      const refused = await fetch(`${gw.url}/chat/viewer`, { method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: big });
      expect(refused.status).toBe(400);
      expect((await refused.json()).error.message).toContain('images.0.file is');
      await assertNothingStored();
    });
  });

  it('forgetUser erases the user’s files with their conversations', async () => {
    await chat({ message: 'keep this', images: [{ dataUrl: dataUrl(gif()) }] });
    await chat({ message: 'and this', images: [{ dataUrl: dataUrl(webp()) }] }, bob);
    const receipt = await gw.gql(`mutation { forgetUser(userId: "alice") { conversations messages files } }`, {}, ADMIN_KEY);
    expect(receipt.body.data.forgetUser).toEqual({ conversations: 1, messages: 2, files: 1 });
    expect((await files()).map((file) => file.user_id)).toEqual(['bob']);
  });

  it('counts images in the token budget at OpenAI’s rate: an earlier 1024 × 1024 image adds 765 memory tokens to the next turn', async () => {
    expect(imageTokens({ width: 1024, height: 1024 })).toBe(765);
    expect(imageTokens({ width: 2048, height: 4096 })).toBe(1105);
    expect(imageTokens({ width: 640, height: 480, detail: 'low' })).toBe(85);
    expect(imageTokens({})).toBe(UNKNOWN_IMAGE_TOKENS);
    expect(sniffImage(jpeg(24, 40))).toEqual({ mediaType: 'image/jpeg', width: 24, height: 40 });

    const USAGE = `mutation($input: ChatInput!) { chat(input: $input) { conversationId usage { memoryTokens } } }`;
    const first = await gw.gql(USAGE, { input: { agentId: 'viewer', message: 'first', images: [{ dataUrl: dataUrl(png(1024, 1024)) }] } }, alice);
    expect(first.body.data.chat.usage.memoryTokens).toBe(0);
    const second = await gw.gql(USAGE, { input: { agentId: 'viewer', message: 'second', conversationId: first.body.data.chat.conversationId } }, alice);
    // The buffer: "first" with its image (4 + 1 + 765) and "echo: first" (4 + 3).
    expect(second.body.data.chat.usage.memoryTokens).toBe(4 + 1 + 765 + 4 + 3);
  });
});

describe('IMAGE_FETCH=true', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let server: Server;
  let origin: string;
  let alice: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/cat.png') return res.writeHead(200, { 'content-type': 'text/html' }).end(png(8, 4));
      if (req.url === '/moved') return res.writeHead(302, { location: '/cat.png' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake = await FakeOpenAI.start();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', ENABLE_EMBEDDINGS: 'false', IMAGE_FETCH: 'true' });
    ({ alice } = await issueTokens(gw));
    await createAgent(gw, { id: 'viewer', systemMessage: SYSTEM });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('fetches a URL under the MCP address policy and stores it like an upload; a redirect is not followed', async () => {
    const answered = await gw.gql(CHAT, { input: { agentId: 'viewer', message: 'fetched', images: [{ url: `${origin}/cat.png` }] } }, alice);
    expect(answered.body.errors).toBeUndefined();
    expect(lastUserContent(fake.requests[0]!)[1]).toEqual({ type: 'image_url', image_url: { url: dataUrl(png(8, 4)) } });
    const stored = await gw.database.db.selectFrom('files').select(['media_type', 'width', 'height']).execute();
    expect(stored).toEqual([{ media_type: 'image/png', width: 8, height: 4 }]);

    const moved = await gw.gql(CHAT, { input: { agentId: 'viewer', message: 'moved', images: [{ url: `${origin}/moved` }] } }, alice);
    expect(firstError(moved).message).toContain('images.0.url could not be fetched: the server answered 302 (redirects are not followed)');
    const metadata = await gw.gql(CHAT, { input: { agentId: 'viewer', message: 'meta', images: [{ url: 'https://169.254.169.254/latest' }] } }, alice);
    expect(firstError(metadata).message).toContain('images.0.url cannot be fetched: 169.254.169.254 is link-local, a cloud metadata service or reserved');
    expect(await gw.database.db.selectFrom('files').select('id').execute()).toHaveLength(1);
  });
});
