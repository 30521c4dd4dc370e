import type { RunEvent } from './run-event.js';

/**
 * A run's Redis stream, packed: each stretch of token deltas is one entry whose id is the
 * stretch's last seq, holding its text once and every token's length; the other events are as
 * they were (field `e`, their JSON). A live run writes each tick's deltas as one such entry; a
 * finished run's stream is rewritten with one entry per stretch. Stream ids stay seqs, so
 * `XRANGE (0-after` still finds everything after any seq, and a resume from inside a stretch gets
 * the rest of it as one delta carrying the stretch's last seq (as a coalesced delta does).
 */
export const EVENT_FIELD = 'e';
/** Field of a stretch of deltas: `t<seq of its first token>`, its value the JSON of PackedDeltas. */
const DELTAS_FIELD = 't';

interface PackedDeltas {
  /** Index of the stretch's first token. */
  i: number;
  /** The stretch's text. */
  t: string;
  /** Each token's length in UTF-16 units, as LEB128 varints in base64 (about 1.3 bytes a token). */
  l: string;
}

/**
 * KEYS[1] = the stream; ARGV = the number of events it should hold, its expected last id, then
 * (id, field, value) per compacted entry. Rewrites the stream in one step (a follower reads either
 * form whole) and only when it holds exactly the events compacted, so an erased or rewritten
 * stream is left alone.
 */
export const COMPACT_RUN_STREAM = `
local stream = KEYS[1]
local entries = redis.call('XRANGE', stream, '-', '+')
if #entries == 0 or entries[#entries][1] ~= ARGV[2] then return 0 end
local held = 0
for _, entry in ipairs(entries) do
  local field = entry[2][1]
  if field == 'e' then
    held = held + 1
  else
    held = held + tonumber(string.match(entry[1], '%d+$')) - tonumber(string.sub(field, 2)) + 1
  end
end
if held ~= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', stream)
redis.call('DEL', stream)
for i = 3, #ARGV, 3 do
  redis.call('XADD', stream, ARGV[i], ARGV[i + 1], ARGV[i + 2])
end
if ttl > 0 then redis.call('PEXPIRE', stream, ttl) end
return 1
`;

/** A stream entry as written: id, field, value. */
export type StreamEntry = [id: string, field: string, value: string];

export const entryId = (seq: number) => `0-${seq}`;

/**
 * The packed entries of consecutive events of a run (a tick's, or all of a finished run's), in seq order.
 * A delegated run's deltas forwarded into this one (their runId is not `runId`) stay whole events: a packed stretch is read back as the stream's run's.
 */
export function compactRunEvents(runId: string, events: Iterable<RunEvent>): StreamEntry[] {
  const entries: StreamEntry[] = [];
  let stretch: Array<Extract<RunEvent, { type: 'TokenDelta' }>> = [];
  const flush = () => {
    if (stretch.length === 1) entries.push([entryId(stretch[0]!.seq), EVENT_FIELD, JSON.stringify(stretch[0])]);
    if (stretch.length > 1) {
      const first = stretch[0]!;
      const value: PackedDeltas = { i: first.index, t: stretch.map((d) => d.text).join(''), l: packLengths(stretch.map((d) => d.text.length)) };
      entries.push([entryId(stretch.at(-1)!.seq), `${DELTAS_FIELD}${first.seq}`, JSON.stringify(value)]);
    }
    stretch = [];
  };
  for (const event of events) {
    const previous = stretch.at(-1);
    if (event.type === 'TokenDelta' && event.runId === runId && (!previous || (event.index === previous.index + 1 && event.seq === previous.seq + 1))) {
      stretch.push(event);
      continue;
    }
    flush();
    if (event.type === 'TokenDelta' && event.runId === runId) stretch.push(event);
    else entries.push([entryId(event.seq), EVENT_FIELD, JSON.stringify(event)]);
  }
  flush();
  return entries;
}

/**
 * What a stream entry gives a reader that has seen every seq up to `after`: the event, the rest of
 * a compacted stretch as one delta (its last seq), or nothing when it has seen all of it.
 */
export function readStreamEntry(runId: string, fields: string[], after: number): RunEvent | undefined {
  if (fields[0] === EVENT_FIELD) {
    const event = JSON.parse(fields[1]!) as RunEvent;
    return event.seq > after ? event : undefined;
  }
  const firstSeq = Number(fields[0]!.slice(DELTAS_FIELD.length));
  const stretch = JSON.parse(fields[1]!) as PackedDeltas;
  const lengths = unpackLengths(stretch.l);
  const skip = Math.max(0, after + 1 - firstSeq);
  if (skip >= lengths.length) return undefined;
  let offset = 0;
  for (let k = 0; k < skip; k++) offset += lengths[k]!;
  return { type: 'TokenDelta', runId, seq: firstSeq + lengths.length - 1, text: offset === 0 ? stretch.t : stretch.t.slice(offset), index: stretch.i + skip };
}

/** Every event a stream entry holds, one per seq (a stretch's tokens each as emitted). */
export function expandStreamEntry(runId: string, fields: string[]): RunEvent[] {
  if (fields[0] === EVENT_FIELD) return [JSON.parse(fields[1]!) as RunEvent];
  const firstSeq = Number(fields[0]!.slice(DELTAS_FIELD.length));
  const stretch = JSON.parse(fields[1]!) as PackedDeltas;
  let offset = 0;
  return unpackLengths(stretch.l).map((length, k) => {
    const text = stretch.t.slice(offset, (offset += length));
    return { type: 'TokenDelta', runId, seq: firstSeq + k, text, index: stretch.i + k };
  });
}

function packLengths(lengths: number[]): string {
  const bytes: number[] = [];
  for (let n of lengths) {
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
  }
  return Buffer.from(bytes).toString('base64');
}

function unpackLengths(packed: string): number[] {
  const bytes = Buffer.from(packed, 'base64');
  const lengths: number[] = [];
  let n = 0;
  let shift = 0;
  for (const byte of bytes) {
    n |= (byte & 0x7f) << shift;
    if (byte & 0x80) {
      shift += 7;
      continue;
    }
    lengths.push(n);
    n = 0;
    shift = 0;
  }
  return lengths;
}
