import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { ANONYMOUS_TRANSPORTS, send, TRANSPORTS } from './support/transports.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
});
afterAll(() => gw?.stop());

const INTROSPECTION = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });

for (const transport of TRANSPORTS) {
  describe(`introspection and suggestions over ${transport}`, () => {
    const anonymousAllowed = (ANONYMOUS_TRANSPORTS as readonly string[]).includes(transport);
    it.runIf(anonymousAllowed)('refuses __schema and __type to anonymous callers with BAD_USER_INPUT', async () => {
      for (const query of [INTROSPECTION, `{ __type(name: "Agent") { fields { name } } }`]) {
        const outcome = await send(gw, transport, { query });
        expect(outcome.results.some((result) => result.data)).toBe(false);
        // One error that says what to do, not one per introspection field (GraphiQL shows it first).
        expect(outcome.firstError).toMatchObject({ message: expect.stringContaining('Introspection needs a credential'), extensions: { code: 'BAD_USER_INPUT' } });
        expect(outcome.errors ?? outcome.results.flatMap((result) => result.errors ?? [])).toHaveLength(1);
      }
    });

    it('describes the schema to an authenticated caller (GraphiQL sends the typed headers)', async () => {
      const outcome = await send(gw, transport, { query: INTROSPECTION }, USER_KEY);
      expect(outcome.firstError).toBeUndefined();
      expect((outcome.results[0]?.data as any).__schema.types.map((type: { name: string }) => type.name)).toContain('ChatInput');
    });

    it.runIf(anonymousAllowed)('keeps "Did you mean" from anonymous callers only', async () => {
      const anonymous = await send(gw, transport, { query: '{ healt { status } }' });
      expect(anonymous.firstError).toMatchObject({ message: 'Cannot query field "healt" on type "Query".', extensions: { code: 'BAD_USER_INPUT' } });
      const authenticated = await send(gw, transport, { query: '{ healt { status } }' }, USER_KEY);
      expect(authenticated.firstError?.message).toContain('Did you mean "health"?');
      const again = await send(gw, transport, { query: '{ healt { status } }' });
      expect(again.firstError?.message).not.toContain('Did you mean');
    });
  });
}

describe('ALLOW_INTROSPECTION=true', () => {
  let open: TestGateway;
  beforeAll(async () => {
    open = await startTestGateway('pglite', { ALLOW_INTROSPECTION: 'true' });
  });
  afterAll(() => open?.stop());

  it('describes the schema to anonymous callers too', async () => {
    for (const transport of ANONYMOUS_TRANSPORTS) {
      const outcome = await send(open, transport, { query: INTROSPECTION });
      expect(outcome.firstError).toBeUndefined();
      expect((outcome.results[0]?.data as any).__schema.queryType.name).toBe('Query');
    }
  });
});
