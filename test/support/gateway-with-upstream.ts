import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FakeOpenAI } from './fake-openai.js';
import { startTestGateway, type TestGateway } from './gateway.js';

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
