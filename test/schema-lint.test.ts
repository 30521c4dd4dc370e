import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClientSchema, getIntrospectionQuery, printSchema } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * graphql-schema-linter, with the repository's .graphql-schema-linterrc, on the schema the gateway
 * serves (read by introspection from a running gateway): descriptions everywhere, UPPER_CASE enum
 * values, the Relay connection and PageInfo rules.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LINTER = join(ROOT, 'node_modules', '.bin', 'graphql-schema-linter');

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
});
afterAll(() => gw?.stop());

function lint(sdl: string): { status: number | null; errors: Array<{ message: string; rule: string }> } {
  const run = spawnSync(LINTER, ['--stdin', '--format', 'json', '--config-directory', ROOT], { input: sdl, encoding: 'utf8', cwd: ROOT });
  return { status: run.status, errors: JSON.parse(run.stdout).errors };
}

it('finds nothing to report in the served schema', async () => {
  const response = await gw.gql(getIntrospectionQuery({ descriptions: true }), {}, ADMIN_KEY);
  expect(response.body.errors).toBeUndefined();
  const served = printSchema(buildClientSchema(response.body.data));
  expect(served).toContain('interface Node');
  expect(lint(served)).toEqual({ status: 0, errors: [] });
});

it('reports what it is there to catch (so a clean result means something)', () => {
  const { status, errors } = lint('type Query { "Reads a thing." thing: Thing! }\ntype Thing { id: ID! }\nenum Role { user }');
  expect(status).not.toBe(0);
  expect(errors.map((error) => error.rule)).toEqual(expect.arrayContaining(['types-have-descriptions', 'fields-have-descriptions', 'enum-values-all-caps']));
});
