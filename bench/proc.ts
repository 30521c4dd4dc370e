// Another process's CPU time and memory, read from /proc (Linux) from outside it: summed over the
// process and its live descendants (threads are counted in their process), so a database moved to a
// worker thread or a child process is still counted.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The file's text, or undefined when the process has gone in the meantime. */
function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `pid` and its live descendants. */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {}
    for (const task of tasks) {
      for (const child of (read(`/proc/${pids[i]}/task/${task}/children`) ?? '').split(' ')) if (child) pids.push(Number(child));
    }
  }
  return pids;
}

/** User + system CPU time in ms (utime + stime of /proc/<pid>/stat, all threads). */
export function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = read(`/proc/${p}/stat`);
    if (!stat) continue;
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** User + system CPU time in ms of `pid`'s main thread alone (/proc/<pid>/task/<pid>/stat): the event loop, without worker threads. */
export function mainThreadCpuMs(pid: number): number {
  const stat = read(`/proc/${pid}/task/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** A memory field of /proc/<pid>/status in MB: VmRSS now, VmHWM the peak RSS since the process started. */
export function memoryMB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  let kB = 0;
  for (const p of processTree(pid)) {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${p}/status`) ?? '');
    kB += Number(match?.[1] ?? 0);
  }
  return (kB * 1024) / 1e6;
}
