import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, event-loop lag, GC), under their usual names so
 * stock Node.js dashboards read them. They describe the process, not one gateway, and their
 * collectors never stop (an event-loop delay monitor, a GC observer): one set per process,
 * started at the first scrape so a gateway nobody scrapes pays nothing for them.
 */
export function processMetrics(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
