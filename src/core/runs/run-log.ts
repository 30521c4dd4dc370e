import type { RunEvent } from './run-event.js';

type TokenDelta = Extract<RunEvent, { type: 'TokenDelta' }>;

/** Consecutive token deltas of a finished run, kept as one string and where each token starts. */
interface DeltaSegment {
  kind: 'deltas';
  runId: string;
  firstSeq: number;
  firstIndex: number;
  text: string;
  /** Token k is text.slice(offsets[k], offsets[k + 1]). */
  offsets: Int32Array;
}

/**
 * A run's events in seq order. While the run goes on they are kept as they are; once it ends,
 * runs of token deltas are packed into a string and an offset table (4 bytes a token instead of
 * an object), since finished runs stay replayable for minutes and would otherwise fill the heap.
 * Replay gives back exactly the events that were emitted.
 */
export class RunLog {
  private live: RunEvent[] | undefined = [];
  private packed: Array<RunEvent | DeltaSegment> | undefined;
  /** The last seq appended. */
  private count = 0;
  /** Seqs 1, 2, 3 … with none missing, so `after` indexes; a paused run rebuilt from storage replays a few, with gaps. */
  private contiguous = true;

  get length(): number {
    return this.count;
  }

  append(event: RunEvent): void {
    if (!this.live) throw new Error('A packed run log takes no more events');
    if (event.seq !== this.count + 1) this.contiguous = false;
    this.live.push(event);
    this.count = event.seq;
  }

  /** The events with seq greater than `after`, in order. */
  *after(after: number): Generator<RunEvent> {
    if (this.live) {
      if (this.contiguous) {
        for (let i = Math.max(0, after); i < this.live.length; i++) yield this.live[i]!;
      } else {
        for (const event of this.live) if (event.seq > after) yield event;
      }
      return;
    }
    for (const entry of this.packed!) {
      if (!('kind' in entry)) {
        if (entry.seq > after) yield entry;
        continue;
      }
      const tokens = entry.offsets.length - 1;
      for (let k = Math.max(0, after + 1 - entry.firstSeq); k < tokens; k++) {
        const text = entry.text.slice(entry.offsets[k], entry.offsets[k + 1]);
        yield { type: 'TokenDelta', runId: entry.runId, seq: entry.firstSeq + k, text, index: entry.firstIndex + k };
      }
    }
  }

  /** Packs the log once the run has ended. */
  pack(): void {
    if (!this.live) return;
    const packed: Array<RunEvent | DeltaSegment> = [];
    let run: TokenDelta[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const offsets = new Int32Array(run.length + 1);
      for (let k = 0; k < run.length; k++) offsets[k + 1] = offsets[k]! + run[k]!.text.length;
      const first = run[0]!;
      packed.push({ kind: 'deltas', runId: first.runId, firstSeq: first.seq, firstIndex: first.index, text: run.map((d) => d.text).join(''), offsets });
      run = [];
    };
    for (const event of this.live) {
      // A stretch is one run's deltas (a delegated run's are forwarded into its parent's log between them).
      if (event.type === 'TokenDelta' && (run.length === 0 || (event.index === run.at(-1)!.index + 1 && event.runId === run.at(-1)!.runId))) {
        run.push(event);
        continue;
      }
      flush();
      if (event.type === 'TokenDelta') run.push(event);
      else packed.push(event);
    }
    flush();
    this.packed = packed;
    this.live = undefined;
  }
}
