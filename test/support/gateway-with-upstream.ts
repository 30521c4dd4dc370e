import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { StorageBackend } from './backends.js';
import { FakeOpenAI } from './fake-openai.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { issueTokens, resetMemory } from './memory.js';

export interface GatewayWithUpstream {
  fake: FakeOpenAI;
  gw: TestGateway;
}

/**
 * One gateway on PGlite answering from its own local upstream, shared by a test file: started
 * once, and before each test the upstream's queue and the tables are emptied, then `prepare` runs.
 */
export function gatewayWithUpstream(env: Record<string, string> = {}, prepare?: (world: GatewayWithUpstream) => Promise<void>): GatewayWithUpstream {
  const world = {} as GatewayWithUpstream;
  beforeAll(async () => {
    world.fake = await FakeOpenAI.start();
    world.gw = await startTestGateway('pglite', { OPENAI_BASE_URL: world.fake.url, ...env });
  });
  afterAll(async () => {
    await world.gw?.stop();
    await world.fake?.close();
  });
  beforeEach(async () => {
    world.fake.reset();
    await world.gw.reset();
    await prepare?.(world);
  });
  return world;
}

export interface UpstreamWorld extends GatewayWithUpstream {
  /** Tokens of the users alice and bob, issued once. */
  alice: string;
  bob: string;
  /** Stops the gateway with its data kept and starts it again, as `world.gw` (also returned). */
  restart(): Promise<TestGateway>;
}

/**
 * A gateway on `backend` answering from its own local upstream, shared by a describe block: the
 * upstream started, then the gateway (upstream key, no retries, then `env`), `started` run on it
 * (tools to register), alice's and bob's tokens issued. Before each test its background work
 * settles and its tables and memory are emptied, then the upstream's queue and requests, then
 * `prepare` runs (agents to create). Both are stopped after the block.
 */
export function upstreamWorld(
  backend: StorageBackend['name'],
  env: Record<string, string> = {},
  prepare?: (world: UpstreamWorld) => Promise<unknown>,
  started?: (gw: TestGateway) => void,
): UpstreamWorld {
  const start = async (storage: StorageBackend | StorageBackend['name']) => {
    const gw = await startTestGateway(storage, { OPENAI_BASE_URL: world.fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', ...env });
    started?.(gw);
    return gw;
  };
  const world = {
    async restart() {
      await world.gw.stop({ keepData: true });
      world.gw = await start(world.gw.backend);
      return world.gw;
    },
  } as UpstreamWorld;
  beforeAll(async () => {
    world.fake = await FakeOpenAI.start();
    world.gw = await start(backend);
    Object.assign(world, await issueTokens(world.gw));
  });
  afterAll(async () => {
    await world.gw?.stop();
    await world.fake?.close();
  });
  beforeEach(async () => {
    await resetMemory(world.gw);
    world.fake.reset();
    await prepare?.(world);
  });
  return world;
}
