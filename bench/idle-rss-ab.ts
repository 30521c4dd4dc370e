// Idle RSS A/B: each build's gateway (its own npm start's flags), fresh database, VmRSS 2 s after listening; builds alternate, round after round.
//   BUILDS=a=/dir,b=/dir KINDS=postgres,pglite ROUNDS=5 BENCH_DATABASE_URL=… npx tsx bench/idle-rss-ab.ts
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { BenchDatabases } from './databases.js';
import { memoryMB } from './proc.js';
import { gatewayEnv, productionCommand, sleep, stop } from './processes.js';
import { median } from './stats.js';

const BUILDS = process.env.BUILDS!.split(',').map((pair) => pair.split('=') as [string, string]);
const KINDS = (process.env.KINDS ?? 'postgres,pglite').split(',') as Array<'postgres' | 'pglite'>;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const databases = new BenchDatabases();
const results: Record<string, number[]> = {};
try {
  for (let round = 0; round < ROUNDS; round++)
    for (const kind of KINDS)
      for (const [name, cwd] of round % 2 ? [...BUILDS].reverse() : BUILDS) {
        const production = productionCommand(cwd);
        const database = await databases.fresh(kind);
        const child = spawn(process.execPath, [...production.nodeFlags, production.script], { cwd, env: { ...process.env, ...production.env, ...gatewayEnv(database, 'http://127.0.0.1:9') }, stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
          createInterface({ input: child.stdout! }).on('line', (line) => /listening on/.test(line) && resolve());
          child.once('close', (code) => reject(new Error(`exited ${code}`)));
        });
        await sleep(2000);
        const rss = memoryMB(child.pid!, 'VmRSS');
        await stop(child);
        (results[`${kind} ${name}`] ??= []).push(rss);
        console.log(JSON.stringify({ round, kind, name, rssMB: +rss.toFixed(1), load: loadavg()[0] }));
      }
  for (const [key, values] of Object.entries(results)) console.log(`${key}: idle RSS median ${median(values).toFixed(1)} MB (${values.map((v) => v.toFixed(1)).join(', ')})`);
} finally {
  await databases.removeAll();
}
