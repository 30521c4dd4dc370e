// The `protocols` part's table for bench/README.md (generated:protocols), from bench/results.json's
// protocols.<pglite|postgres> (bench/protocols.ts).
import { round } from './stats.js';

type Results = Record<string, any>;

const NAMES: Record<string, string> = {
  direct: 'the upstream read directly (the floor)',
  'pass-through': 'bare graphql-ws pass-through (bench/pass-through.ts)',
  'graphql-ws': 'graphql-ws `chatStream` (the reference)',
  'chat-completions': '`POST /v1/chat/completions`, `stream: true`',
  responses: '`POST /v1/responses`, `stream: true`',
  'ag-ui': '`POST /ag-ui/bench` (AG-UI, SSE)',
};

const ms = (value: number) => `${round(value, 2)}`;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${round(value, 2)}`;

export function protocolsBlock(r: Results): string[] {
  const lines: string[] = [];
  for (const kind of ['pglite', 'postgres'] as const) {
    const run = r.protocols?.[kind];
    if (!run) continue;
    const reference = run.protocols['graphql-ws'];
    const command = `${kind === 'postgres' ? 'BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ' : ''}BENCH_ONLY=protocols npm run bench`;
    lines.push(
      `**${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}** (\`${command}\`): ${run.commit}, ${run.date}, Node ${run.node}; ${run.requests} requests per protocol, ${run.tokens} tokens each; load average (1, 5, 15 min) ${run.loadavg.before.join(', ')} before, ${run.loadavg.after.join(', ')} after.`,
      '',
      '| protocol | first delta p50 / p99 (ms) | added p50 / p99 | end event p50 / p99 (ms) | added p50 / p99 | p50 over graphql-ws: first / end | gateway CPU per request (median of rounds; range) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const [name, f] of Object.entries(run.protocols as Record<string, any>)) {
      const overReference = name === 'direct' || name === 'pass-through' ? '—' : `${signed(f.firstP50 - reference.firstP50)} / ${signed(f.endP50 - reference.endP50)}`;
      const cpu = f.cpuMsPerRequest === undefined ? '—' : `${ms(f.cpuMsPerRequest)} ms (${ms(f.cpuMsPerRequestRange[0])} – ${ms(f.cpuMsPerRequestRange[1])})${name === 'pass-through' ? ', its own process' : ''}`;
      const added = name === 'direct' ? ['—', '—'] : [`${signed(f.addedFirstP50)} / ${signed(f.addedFirstP99)}`, `${signed(f.addedEndP50)} / ${signed(f.addedEndP99)}`];
      lines.push(`| ${NAMES[name] ?? name} | ${ms(f.firstP50)} / ${ms(f.firstP99)} | ${added[0]} | ${ms(f.endP50)} / ${ms(f.endP99)} | ${added[1]} | ${overReference} | ${cpu} |`);
    }
    lines.push('');
  }
  if (lines.length === 0) return ['Not measured.'];
  lines.pop();
  return lines;
}
