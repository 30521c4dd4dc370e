/**
 * What budgets add to a chat, in process: the check before a run (admit), the ledger listener per
 * model call (count) and the check after each step (stopsRun), with two budgets applying and with
 * none, counters in memory. `npx tsx bench/budgets-checks.ts`
 */
import { Budgets } from '../src/core/budgets/budgets.js';
import { SpendCounters } from '../src/core/budgets/spend-counters.js';
import { LocalChangeBus } from '../src/core/feeds/change-bus.js';
const budgetsRows = [
  { id: 'b1', scope: 'USER', subjectId: 'alice', metric: 'TOKENS', period: 'DAY', limit: 1e12, hard: true, createdAt: new Date() },
  { id: 'b2', scope: 'KEY', subjectId: 'k1', metric: 'COST', period: 'MONTH', limit: 1e9, hard: true, createdAt: new Date() },
];
const store: any = { all: async () => budgetsRows };
const counters = new SpendCounters(async () => 0, undefined);
const b = new Budgets({ store, counters, keys: {} as any, bus: new LocalChangeBus(), meter: { budgetCrossed() {} }, reportError() {} });
await b.start();
const entry: any = { userId: 'alice', keyId: 'k1', inputTokens: 100, outputTokens: 50, costUsd: 0.001, at: new Date() };
const run: any = { keyId: 'k1', owner: { userId: 'alice' } };
await b.admit('k1', 'alice');
b.count(entry);
const N = 200_000;
for (const [name, f] of [['admit (2 budgets)', () => b.admit('k1', 'alice')], ['admit (no budget applies)', () => b.admit('kx', 'bob')], ['count (2 budgets)', () => b.count(entry)], ['stopsRun (2 budgets)', () => b.stopsRun(run)]] as const) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await (f as any)();
  console.log(name, ((performance.now() - t) * 1000 / N).toFixed(2), 'µs');
}
counters.close();
