import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { docsClientWorld } from './support/docs-client-setup.js';

/**
 * The README's examples, run as written: each block marked `<!-- example: name -->` is saved as a
 * module in the repository (so its imports resolve) and run with node against a listening gateway.
 */

const run = promisify(execFile);
const DIR = new URL('../.tmp/readme-examples/', import.meta.url);

async function readmeExample(name: string): Promise<string> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const match = readme.match(new RegExp(`<!-- example: ${name} -->\\n\`\`\`js\\n([\\s\\S]*?)\\n\`\`\``));
  if (!match) throw new Error(`README.md has no example "${name}"`);
  return match[1]!;
}

describe('README examples', () => {
  const { world, keys } = docsClientWorld();
  afterAll(async () => {
    await rm(DIR, { recursive: true, force: true });
  });

  it('client-tools: the tool call reaches the client, its result resumes the same run, the stream prints the rest', async () => {
    const { fake, gw } = world;
    fake.enqueue({ tokens: ['Let me see. '], toolCalls: [{ id: 'call_1', name: 'locate', arguments: {} }] }, { text: 'You are in Oslo.' });
    await mkdir(DIR, { recursive: true });
    const file = new URL('client-tools.mjs', DIR);
    await writeFile(file, await readmeExample('client-tools'));
    const { stdout } = await run(process.execPath, [file.pathname], { env: { ...process.env, KEY: keys.alice, MUXGATE_URL: gw.graphqlUrl.replace(/\/graphql$/, '') }, timeout: 60_000 });
    expect(stdout).toBe('Let me see. You are in Oslo.');
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"city":"Oslo"}' });
    const rows = await gw.database.db.selectFrom('messages').select(['role', 'status', 'content']).orderBy('ordinal').execute();
    expect(rows).toEqual([
      { role: 'user', status: 'COMPLETE', content: 'Where am I?' },
      { role: 'assistant', status: 'COMPLETE', content: 'Let me see. You are in Oslo.' },
    ]);
  });

  it('openai-tools: the openai SDK’s manual tool loop resumes the same run from the whole history', async () => {
    const { fake, gw } = world;
    fake.enqueue({ toolCalls: [{ id: 'call_2', name: 'locate', arguments: {} }] }, { text: 'You are in Oslo.' });
    await mkdir(DIR, { recursive: true });
    const file = new URL('openai-tools.mjs', DIR);
    await writeFile(file, await readmeExample('openai-tools'));
    const { stdout } = await run(process.execPath, [file.pathname], { env: { ...process.env, KEY: keys.alice, MUXGATE_URL: gw.graphqlUrl.replace(/\/graphql$/, '') }, timeout: 60_000 });
    expect(stdout).toBe('You are in Oslo.\n');
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_2', content: '{"city":"Oslo"}' });
    // One run: the tool result resumed it, it did not start a second turn.
    const rows = await gw.database.db.selectFrom('messages').select(['role', 'status', 'content', 'run_id']).orderBy('ordinal').execute();
    expect(rows.map(({ role, status, content }) => ({ role, status, content }))).toEqual([
      { role: 'user', status: 'COMPLETE', content: 'Where am I?' },
      { role: 'assistant', status: 'COMPLETE', content: 'You are in Oslo.' },
    ]);
  });

  it('responses: the Responses API’s function-tool loop with previous_response_id resumes the same run', async () => {
    const { fake, gw } = world;
    fake.enqueue({ toolCalls: [{ id: 'call_3', name: 'locate', arguments: {} }] }, { text: 'You are in Oslo.' });
    await mkdir(DIR, { recursive: true });
    const file = new URL('responses.mjs', DIR);
    await writeFile(file, await readmeExample('responses'));
    const { stdout } = await run(process.execPath, [file.pathname], { env: { ...process.env, KEY: keys.alice, MUXGATE_URL: gw.graphqlUrl.replace(/\/graphql$/, '') }, timeout: 60_000 });
    expect(stdout).toBe('You are in Oslo.\n');
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_3', content: '{"city":"Oslo"}' });
    const rows = await gw.database.db.selectFrom('messages').select(['role', 'status', 'content']).orderBy('ordinal').execute();
    expect(rows).toEqual([
      { role: 'user', status: 'COMPLETE', content: 'Where am I?' },
      { role: 'assistant', status: 'COMPLETE', content: 'You are in Oslo.' },
    ]);
  });

  it('ag-ui: HttpAgent runs the agent and gets its answer', async () => {
    const { fake, gw } = world;
    fake.enqueue({ text: 'Hello there.' });
    await mkdir(DIR, { recursive: true });
    const file = new URL('ag-ui.mjs', DIR);
    await writeFile(file, await readmeExample('ag-ui'));
    const { stdout } = await run(process.execPath, [file.pathname], { env: { ...process.env, KEY: keys.alice, MUXGATE_URL: gw.graphqlUrl.replace(/\/graphql$/, '') }, timeout: 60_000 });
    expect(stdout).toBe('Hello there.\n');
    const rows = await gw.database.db.selectFrom('messages').select(['role', 'status', 'content']).orderBy('ordinal').execute();
    expect(rows).toEqual([
      { role: 'user', status: 'COMPLETE', content: 'Hello!' },
      { role: 'assistant', status: 'COMPLETE', content: 'Hello there.' },
    ]);
  });
});
