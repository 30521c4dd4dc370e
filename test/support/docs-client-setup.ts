import { beforeAll } from 'vitest';
import { gatewayWithUpstream } from './gateway-with-upstream.js';
import { ADMIN_KEY } from './gateway.js';

/** docs/graphql.md's operations for the client setups, as written there; each test wraps them in its library's `gql`. */
export const DOCS_OPERATIONS = {
  chatStream: `
  subscription ($input: ChatInput!) {
    chatStream(input: $input) {
      __typename
      ... on RunEventFields { runId seq }
      ... on TokenDelta { text }
      ... on MessageCompleted { content }
      ... on RunFailed { code message retryable }
    }
  }
`,
  me: `{ me { kind userId } }`,
  chat: `
  mutation ($input: ChatInput!) {
    chat(input: $input) { runId message { content status } }
  }
`,
};

/** A gateway with an upstream and one agent, and a JWT for alice (the `KEY` of the docs' setups) once the file's tests start. */
export function docsClientWorld() {
  const world = gatewayWithUpstream({}, async ({ gw }) => {
    await gw.gql(`mutation { createAgent(input: { id: "assistant", systemMessage: "You are terse." }) { id } }`, {}, ADMIN_KEY);
  });
  const keys = { alice: '' };
  beforeAll(async () => {
    keys.alice = (await world.gw.gql(`mutation { issueToken(userId: "alice") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
  });
  return { world, keys };
}
