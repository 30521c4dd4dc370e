import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../src/core/mcp/address-policy.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp-servers.js';
import { freePort } from './support/free-port.js';

/**
 * Where an MCP server may be: a URL's host is checked by name and on every address it resolves to;
 * link-local and cloud metadata never, loopback and private networks only with MCP_ALLOW_PRIVATE_URLS.
 * A connection that fails says what kind of failure, never the socket's own words.
 */
const REGISTER = `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { id status error } }`;
const register = (gw: TestGateway, id: string, url: string) => gw.gql(REGISTER, { input: { id, url } }, ADMIN_KEY);
const storedIds = async (gw: TestGateway) => (await gw.database.db.selectFrom('mcp_servers').select('id').execute()).map((row) => row.id);

let mcp: TestMcpHttpServer;
let port: number;
beforeAll(async () => {
  mcp = await startTestMcpHttpServer({ mode: 'stateless-strict' });
  port = Number(new URL(mcp.url).port);
});
afterAll(() => mcp?.close());

describe('MCP_ALLOW_PRIVATE_URLS=false', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('pglite', { MCP_ALLOW_PRIVATE_URLS: 'false' });
  });
  afterAll(() => gw?.stop());

  it.each([
    ['decimal', (p: number) => `http://2130706433:${p}/mcp`],
    ['IPv4-mapped IPv6', (p: number) => `http://[::ffff:127.0.0.1]:${p}/mcp`],
    ['0.0.0.0', (p: number) => `http://0.0.0.0:${p}/mcp`],
    ['localhost', (p: number) => `http://localhost:${p}/mcp`],
    ['127.1', (p: number) => `http://127.1:${p}/mcp`],
    ['::1', (p: number) => `http://[::1]:${p}/mcp`],
    ['10/8', () => 'http://10.1.2.3/mcp'],
    ['192.168/16', () => 'http://192.168.0.10/mcp'],
    ['link-local', () => 'http://169.254.10.10/mcp'],
    ['AWS metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['AWS metadata over IPv6', () => 'http://[fd00:ec2::254]/'],
    ['GCP metadata by name', () => 'http://metadata.google.internal/computeMetadata/v1/'],
    ['IPv6 link-local', () => 'http://[fe80::1]/'],
  ])('refuses loopback, private and metadata addresses: %s', async (_name, url) => {
    const response = await register(gw, 'sneaky', url(port));
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toMatch(/address is not allowed/);
    expect(await storedIds(gw)).toEqual([]);
  });
});

describe('MCP_ALLOW_PRIVATE_URLS=true', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('pglite', { MCP_ALLOW_PRIVATE_URLS: 'true', MCP_RECONNECT_MAX_MS: '60000' });
  });
  afterAll(() => gw?.stop());

  it('connects to a loopback server, in any spelling', async () => {
    for (const [id, url] of [['dotted', mcp.url], ['decimal', `http://2130706433:${port}/mcp`], ['short', `http://127.1:${port}/mcp`]] as const) {
      const response = await register(gw, id, url);
      expect(response.body.data?.registerMcpServer, id).toEqual({ id, status: 'CONNECTED', error: null });
    }
  });

  it('still refuses link-local and metadata addresses', async () => {
    for (const url of ['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/']) {
      const response = await register(gw, 'metadata', url);
      expect(response.body.errors?.[0]?.extensions?.code, url).toBe('BAD_USER_INPUT');
    }
  });

  it('says what kind of failure a connection met, not the raw error', async () => {
    const closed = await freePort();
    const response = await register(gw, 'nobody-home', `http://127.0.0.1:${closed}/mcp`);
    expect(response.body.data.registerMcpServer).toEqual({ id: 'nobody-home', status: 'FAILED', error: 'connection refused' });
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|fetch failed/);
    expect(JSON.stringify(response.body)).not.toContain(String(closed));
  });
});

describe('AddressPolicy', () => {
  it('checks the addresses a socket is about to use: a refused one fails the connection', async () => {
    const policy = new AddressPolicy(false);
    const outcome = await new Promise<Error | null>((resolve) => policy.lookup('localhost', { all: true }, (error) => resolve(error)));
    expect(outcome?.message).toMatch(/loopback or private/);
    expect(() => policy.checkAddress('::ffff:7f00:1')).toThrow(/loopback or private/);
    expect(() => policy.checkAddress('100.64.0.1')).toThrow(/loopback or private/);
    expect(() => policy.checkAddress('8.8.8.8')).not.toThrow();
    expect(() => new AddressPolicy(true).checkAddress('169.254.169.254')).toThrow(/metadata/);
    expect(() => new AddressPolicy(true).checkAddress('127.0.0.1')).not.toThrow();
  });
});

describe('AddressPolicy: IPv4 embedded in IPv6 is checked as that IPv4 address', () => {
  const policy = new AddressPolicy(false);
  it.each([
    ['IPv4-mapped, dotted', '::ffff:127.0.0.1', /loopback or private/],
    ['IPv4-mapped, hex', '::ffff:a00:1', /loopback or private/],
    ['IPv4-compatible', '::127.0.0.1', /loopback or private/],
    ['IPv4-compatible, hex', '::a9fe:a9fe', /metadata/],
    ['NAT64, dotted', '64:ff9b::127.0.0.1', /loopback or private/],
    ['NAT64, hex', '64:ff9b::a9fe:a9fe', /metadata/],
    ['NAT64, private', '64:ff9b::c0a8:101', /loopback or private/],
    ['NAT64, long form', '0064:ff9b:0:0:0:0:0a00:0001', /loopback or private/],
    ['6to4 of loopback', '2002:7f00:1::', /loopback or private/],
    ['6to4 of metadata', '2002:a9fe:a9fe::1', /metadata/],
    ['6to4 of a private network, upper case', '2002:C0A8:0101:1::', /loopback or private/],
  ])('refuses %s (%s)', (_kind, address, refusal) => {
    expect(() => policy.checkAddress(address)).toThrow(refusal);
  });

  it.each([
    ['NAT64 of a public address', '64:ff9b::8.8.8.8'],
    ['6to4 of a public address', '2002:808:808::1'],
    ['a plain public IPv6 address', '2606:4700:4700::1111'],
  ])('admits %s (%s)', (_kind, address) => {
    expect(() => policy.checkAddress(address)).not.toThrow();
  });

  it('admits an embedded private address when MCP_ALLOW_PRIVATE_URLS is on, never an embedded metadata one', () => {
    expect(() => new AddressPolicy(true).checkAddress('64:ff9b::10.0.0.1')).not.toThrow();
    expect(() => new AddressPolicy(true).checkAddress('2002:a9fe:a9fe::')).toThrow(/metadata/);
  });
});
