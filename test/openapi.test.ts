import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/** Every REST route, as its method and OpenAPI path; the document and the router must both have exactly these. */
const ROUTES = [
  'GET /health',
  'POST /chat',
  'POST /chat/{agent_name}',
  'POST /runs',
  'GET /runs/{run_id}',
  'GET /runs/{run_id}/events',
  'POST /runs/{run_id}/tool_results',
  'POST /runs/{run_id}/approvals',
  'POST /runs/{run_id}/cancel',
  'GET /agents',
  'POST /agents',
  'GET /agents/{agent_id}',
  'DELETE /agents/{agent_id}',
  'POST /auth/token',
  'GET /conversations',
  'GET /conversations/{conversation_id}',
  'GET /files/{file_id}',
  'POST /memory/buffer',
  'POST /memory/long_term',
  'GET /memory/long_term',
  'GET /memory/long_term/{memory_id}',
  'DELETE /memory/long_term/{memory_id}',
  'POST /memory/search',
  'GET /memory/user_context',
  'POST /memory/user_context',
  'POST /memory/clear',
  'DELETE /users/{user_id}',
  'GET /mcp/servers',
  'POST /mcp/servers',
  'GET /mcp/servers/{server_id}',
  'DELETE /mcp/servers/{server_id}',
  'GET /mcp/servers/{server_id}/tools',
  'POST /mcp/servers/{server_id}/tools/{tool_name}/execute',
  'GET /remote_agents',
  'POST /remote_agents',
  'GET /remote_agents/{agent_id}',
  'DELETE /remote_agents/{agent_id}',
  'GET /usage',
  'GET /budgets',
  'POST /budgets',
  'DELETE /budgets/{budget_id}',
];
const WITH_BODY = new Set(ROUTES.filter((route) => route.startsWith('POST ') && !route.endsWith('/cancel')));

type Operation = {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: any }>;
  requestBody?: { content: Record<string, { schema: any }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: any }> }>;
  security?: unknown[];
};

const run = promisify(execFile);

let gw: TestGateway;
let doc: any;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
  const response = await fetch(`${gw.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  doc = await response.json();
});
afterAll(() => gw?.stop());

const operations = (): Array<[string, Operation]> =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]));

describe('the OpenAPI document at /openapi.json', () => {
  it('is OpenAPI 3.1 with the bearer and X-API-Key security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'muxgate REST API', version: '0.1.0', license: { name: 'MIT', identifier: 'MIT' } });
    expect(doc.components.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) },
      api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: expect.any(String) },
    });
    expect(doc.security).toEqual([{ bearer: [] }, { api_key: [] }]);
  });

  it('lists every REST route, and nothing else (no GraphQL, metrics or docs assets)', () => {
    expect(operations().map(([route]) => route).sort()).toEqual([...ROUTES].sort());
  });

  it('gives each operation its parameters, request body and response schemas', () => {
    const ids = new Set<string>();
    for (const [route, op] of operations()) {
      expect(op.operationId, route).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(op.operationId), route).toBe(false);
      ids.add(op.operationId);

      const pathParams = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort(), route).toEqual(pathParams.sort());
      for (const parameter of op.parameters ?? []) expect(parameter.schema, `${route} ${parameter.name}`).toHaveProperty('type');

      if (WITH_BODY.has(route)) {
        const body = op.requestBody?.content['application/json']?.schema;
        expect(body, route).toMatchObject({ type: 'object', properties: expect.any(Object), additionalProperties: false });
      } else {
        expect(op.requestBody, route).toBeUndefined();
      }

      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect(success, route).toHaveLength(1);
      const [status, response] = success[0]!;
      expect(response.description, route).toBeTruthy();
      if (status === '204') continue;
      const content = response.content ?? {};
      expect(Object.keys(content).length, route).toBeGreaterThan(0);
      for (const media of Object.values(content)) expect(media.schema, route).toBeTruthy();

      if (route === 'GET /health') {
        expect(op.security).toEqual([]);
        continue;
      }
      for (const code of ['400', '401', '403', '429']) {
        expect(op.responses[code]?.content?.['application/json']?.schema, `${route} ${code}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('is served from the origin it was fetched from: one relative server', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('gives POST /chat one response type, JSON, and streams with POST /runs (text/event-stream only)', () => {
    for (const route of ['/chat', '/chat/{agent_name}']) {
      const ok = doc.paths[route].post.responses['200'];
      expect(ok.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/ChatResponse' } } });
      expect(doc.paths[route].post.requestBody.content['application/json'].schema).toMatchObject({
        required: ['message'],
        properties: { message: { type: 'string' }, user_id: {}, conversation_id: {}, metadata: {}, stream: { type: 'boolean' } },
      });
    }
    const start = doc.paths['/runs'].post;
    expect(Object.keys(start.responses['200'].content)).toEqual(['text/event-stream']);
    expect(start.responses['200'].content['text/event-stream'].schema).toMatchObject({ type: 'string' });
    expect(Object.keys(start.responses['200'].headers)).toEqual(['X-Run-Id', 'X-Conversation-Id']);
    expect(start.requestBody.content['application/json'].schema).toMatchObject({
      required: ['message'],
      properties: { message: { type: 'string' }, user_id: {}, conversation_id: {}, metadata: {}, agent_id: {} },
    });
    expect(start.requestBody.content['application/json'].schema.properties).not.toHaveProperty('stream');
    const events = doc.paths['/runs/{run_id}/events'].get;
    expect(Object.keys(events.responses['200'].content)).toEqual(['text/event-stream']);
    expect(Object.keys(events.responses['200'].headers)).toEqual(['X-Run-Id']);
    expect(events.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'last-event-id', in: 'header' }), expect.objectContaining({ name: 'after', in: 'query' })]));
  });

  it('describes runs that wait for their client: client tools on every chat, the decisions answered like a chat, GET /runs/{run_id}', () => {
    for (const route of ['/chat', '/chat/{agent_name}', '/runs']) {
      const properties = doc.paths[route].post.requestBody.content['application/json'].schema.properties;
      expect(properties.client_tools).toMatchObject({ type: ['array', 'null'], items: { required: ['name'], properties: { name: { pattern: expect.any(String) }, description: {}, parameters: {} } } });
      expect(properties).toHaveProperty('tool_choice.oneOf');
      expect(properties.parallel_tool_calls).toMatchObject({ type: ['boolean', 'null'] });
    }
    const body = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;
    expect(body('/runs/{run_id}/tool_results')).toMatchObject({ required: ['results'], properties: { results: { type: 'array', minItems: 1, items: { required: ['call_id'] } }, user_id: {} } });
    expect(body('/runs/{run_id}/approvals')).toMatchObject({ required: ['call_id', 'approved'], properties: { call_id: {}, approved: { type: 'boolean' }, reason: {}, user_id: {} } });
    for (const [path, method] of [['/runs/{run_id}/tool_results', 'post'], ['/runs/{run_id}/approvals', 'post'], ['/runs/{run_id}', 'get']] as const) {
      expect(doc.paths[path][method].responses['200'].content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/ChatResponse' } } });
      expect(doc.paths[path][method].responses['404']).toBeDefined();
    }
    expect(doc.components.schemas.Agent.required).toContain('require_approval');
    expect(body('/agents').properties.require_approval).toMatchObject({ type: ['array', 'null'] });
    const streamed = doc.paths['/runs'].post.responses['200'].content['text/event-stream'].schema.description;
    for (const type of ['ToolCallRequested', 'ToolApprovalRequested', 'RunPaused', 'RunResumed', 'ToolCallDecided']) expect(streamed).toContain(type);
  });

  it('requires every field of every response object (nullable ones stay required, typed with null)', () => {
    const responseSchemas = operations().flatMap(([route, op]) =>
      Object.entries(op.responses).flatMap(([status, response]) => Object.values(response.content ?? {}).map((media) => [`${route} ${status}`, media.schema] as const)),
    );
    const seen = new Set<unknown>();
    const objects: Array<[string, any]> = [];
    // Every object schema reachable from a response, through $refs, properties and items.
    const walk = (where: string, schema: any) => {
      if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
      seen.add(schema);
      if (schema.$ref) return walk(schema.$ref, doc.components.schemas[schema.$ref.split('/').at(-1)]);
      if (schema.properties) objects.push([where, schema]);
      for (const [name, property] of Object.entries(schema.properties ?? {})) walk(`${where}.${name}`, property);
      walk(`${where}[]`, schema.items);
    };
    for (const [where, schema] of responseSchemas) walk(where, schema);
    expect(objects.length).toBeGreaterThan(20);
    for (const [where, schema] of objects) expect(schema.required, where).toEqual(Object.keys(schema.properties));

    const chat = doc.components.schemas.ChatResponse;
    expect(chat.required).toEqual(['agent_id', 'conversation_id', 'message_id', 'run_id', 'response', 'usage', 'routing', 'status', 'pending_tool_calls', 'finish_reason', 'json']);
    expect(chat.properties.status.enum).toEqual(['RUNNING', 'WAITING', 'COMPLETE', 'CANCELLED', 'FAILED']);
    expect(doc.components.schemas.PendingToolCall.required).toEqual(['call_id', 'kind', 'tool', 'server_id', 'arguments']);
    expect(chat.properties.finish_reason).toEqual({ type: ['string', 'null'] });
    expect(doc.components.schemas.Usage).toMatchObject({ type: ['object', 'null'], required: ['prompt_tokens', 'completion_tokens', 'total_tokens', 'memory_tokens'] });
  });

  it('passes `redocly lint` with its recommended rules and the committed redocly.yaml, offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muxgate-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const root = resolve(import.meta.dirname, '..');
      // No telemetry and no update check: the lint must not touch the network.
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
      const lint = await run(join(root, 'node_modules/.bin/redocly'), ['lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'], { cwd: dir, env }).catch(
        (failure: { stdout: string }) => failure,
      );
      const report = JSON.parse(lint.stdout);
      expect(report.problems.map((problem: { ruleId: string; message: string }) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('resolves every $ref to a schema in components', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\/\w+$/);
      expect(doc.components.schemas[ref.split('/').at(-1)!], ref).toBeDefined();
    }
  });

  it('matches the router: every listed route is served (here refused for want of a credential), none answers "No route"', async () => {
    for (const route of ROUTES) {
      const [method, path] = route.split(' ') as [string, string];
      const url = `${gw.url}${path.replace(/\{\w+\}/g, 'x')}`;
      const response = await fetch(url, { method, ...(WITH_BODY.has(route) ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
      const body = await response.json();
      if (route === 'GET /health') expect(response.status).toBe(200);
      else expect({ route, status: response.status, code: body.error?.code }).toEqual({ route, status: 401, code: 'UNAUTHENTICATED' });
    }
  });
});

const browserPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((path): path is string => !!path && existsSync(path));

describe('Swagger UI at /docs', () => {
  it('is a page whose HTML names only its own assets, under a policy that allows no other origin', async () => {
    const response = await fetch(`${gw.url}/docs`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).every((url) => url!.startsWith('/docs/static/'))).toBe(true);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const initializer = await (await fetch(`${gw.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain('validatorUrl: null');
  });

  describe.skipIf(!browserPath)('in Chromium', () => {
    it('renders every operation with no request leaving 127.0.0.1', async () => {
      const browser = await chromium.launch({ executablePath: browserPath!, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        const outside: string[] = [];
        // Every request the page makes passes here: anything not for this gateway is recorded and refused.
        await page.route('**/*', async (route) => {
          const url = route.request().url();
          requested.push(url);
          const { protocol, hostname } = new URL(url);
          if (protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1') return route.continue();
          outside.push(url);
          return route.abort();
        });
        page.on('request', (request) => {
          const { protocol, hostname } = new URL(request.url());
          if (protocol !== 'data:' && protocol !== 'blob:' && hostname !== '127.0.0.1' && !outside.includes(request.url())) outside.push(request.url());
        });
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        // A load the page's policy refused never reaches the network: count those too.
        await page.addInitScript(() => {
          const seen: string[] = [];
          (window as unknown as { cspViolations: string[] }).cspViolations = seen;
          document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
        });
        await page.goto(`${gw.url}/docs`);

        const paths = page.locator('.opblock-summary-path');
        await expect.poll(() => paths.count(), { timeout: 30_000 }).toBe(ROUTES.length);
        const shown = await page.locator('.opblock').evaluateAll((blocks) =>
          blocks.map((block) => `${block.querySelector('.opblock-summary-method')?.textContent} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
        );
        expect(shown.sort()).toEqual([...ROUTES].sort());
        await expect.poll(() => page.locator('.info .title').innerText()).toContain('muxgate REST API');
        // The document came from this gateway.
        expect(requested).toContain(`${gw.url}/docs/json`);
        expect(outside).toEqual([]);
        expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 90_000);
  });
});

if (!browserPath) console.warn('Swagger UI browser test skipped: no chromium at CHROMIUM_PATH or /usr/bin/chromium (CI installs it).');
