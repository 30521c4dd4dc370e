// Which machine a bench entry was measured on: recorded with the entry, so a table never names another run's machine.
import { cpus } from 'node:os';

/** This machine, as entries record it. */
export const thisMachine = () => `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`;

/** Figures recorded before entries named their machine were measured on an earlier session's machine. */
const EARLIER_MACHINE = '2 × AMD EPYC (an earlier session’s machine; its entries predate the machine field)';

/** The machine an entry (or the first of several) was measured on, as recorded when it was. */
export function machineOf(...entries: unknown[]): string {
  for (const entry of entries) {
    const machine = (entry as { machine?: unknown } | null | undefined)?.machine;
    if (typeof machine === 'string') return machine;
  }
  return EARLIER_MACHINE;
}

/** The machines a table's parts were measured on: one, or each with its parts when they differ (a part keeps its last run's machine). */
export function machinesOf(parts: Record<string, unknown>): string {
  const byMachine = new Map<string, string[]>();
  for (const [part, entry] of Object.entries(parts)) {
    const nested = entry && typeof entry === 'object' ? Object.values(entry as Record<string, unknown>) : [];
    const machine = machineOf(entry, ...nested);
    byMachine.set(machine, [...(byMachine.get(machine) ?? []), part]);
  }
  if (byMachine.size <= 1) return [...byMachine.keys()][0] ?? machineOf();
  return [...byMachine].map(([machine, of]) => `${machine} for ${of.join(', ')}`).join('; ');
}
