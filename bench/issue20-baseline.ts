// Moves issue 20's "before" figures: copies parts from bench/results.json into bench/baseline.json's
// `issue-20` key (the other baseline keys are left as they are), then rewrites bench/README.md's tables.
// `npx tsx bench/issue20-baseline.ts [part …]`; by default every part issue 20's goals table reads that
// results.json has. Run it after `npm run bench` on the code the "before" column should show.
import { readFile, writeFile } from 'node:fs/promises';
import { writeReadme } from './report.js';

const RESULTS = new URL('results.json', import.meta.url);
const BASELINE = new URL('baseline.json', import.meta.url);
const PARTS = ['chat-whole', 'chat-rate', 'query-embedding', 'memory', 'stream-cost'];

const results = JSON.parse(await readFile(RESULTS, 'utf8'));
const baseline = JSON.parse(await readFile(BASELINE, 'utf8'));
const parts = process.argv.slice(2).length ? process.argv.slice(2) : PARTS.filter((part) => results[part]);
const missing = parts.filter((part) => !results[part]);
if (missing.length) throw new Error(`bench/results.json has no ${missing.join(', ')}`);
baseline['issue-20'] = { ...baseline['issue-20'], ...Object.fromEntries(parts.map((part) => [part, results[part]])) };
await writeFile(BASELINE, `${JSON.stringify(baseline, null, 2)}\n`);
await writeReadme(results);
console.log(`bench/baseline.json issue-20: ${parts.join(', ')} copied from bench/results.json`);
