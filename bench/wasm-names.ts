// Names for PGlite's WebAssembly frames in a `--cpu-prof` profile. PGlite's modules carry no name
// section, so V8 calls their functions `wasm-function[<index>]`; many are exported, though (a side
// module such as pgvector's links through its exports), and the export section maps an index to its name.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

interface WasmNames {
  file: string;
  /** Imported plus defined functions: the size of the module's function index space. */
  functions: number;
  exports: Map<number, string>;
}

/** The function count and exported function names of a WebAssembly binary. */
function parse(file: string, bytes: Buffer): WasmNames {
  let at = 8;
  const u32 = () => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const skipLimits = () => {
    const flags = bytes[at++]!;
    u32();
    if (flags & 1) u32();
  };
  let functions = 0;
  const exports = new Map<number, string>();
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = u32();
    const end = at + size;
    if (id === 2) {
      // Imports: a function import takes an index before the module's own functions.
      for (let count = u32(); count > 0; count--) {
        // Module and field names (`at += u32()` would read `at` before u32 moves it).
        for (const _ of [0, 1]) {
          const length = u32();
          at += length;
        }
        const kind = bytes[at++]!;
        if (kind === 0) (u32(), functions++);
        else if (kind === 1) (at++, skipLimits());
        else if (kind === 2) skipLimits();
        else if (kind === 3) at += 2;
        else if (kind === 4) (at++, u32());
      }
    } else if (id === 3) {
      functions += u32();
    } else if (id === 7) {
      for (let count = u32(); count > 0; count--) {
        const length = u32();
        const name = bytes.subarray(at, at + length).toString();
        at += length;
        const kind = bytes[at++]!;
        const index = u32();
        if (kind === 0) exports.set(index, name);
      }
    }
    at = end;
  }
  return { file, functions, exports };
}

/** A file of a .tar.gz (a PGlite extension bundle). */
function fromTarGz(archive: string, suffix: string): Buffer | undefined {
  const tar = gunzipSync(readFileSync(archive));
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.subarray(at, at + 100).toString().replace(/\0.*$/s, '');
    if (!name) return undefined;
    const size = Number.parseInt(tar.subarray(at + 124, at + 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
    if (name.endsWith(suffix)) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** pglite.wasm and pgvector's vector.so as the gateway loads them; none found, no names. */
export function pgliteWasmNames(): WasmNames[] {
  const require = createRequire(import.meta.url);
  const tables: WasmNames[] = [];
  try {
    const pglite = dirname(require.resolve('@electric-sql/pglite'));
    tables.push(parse('pglite.wasm', readFileSync(join(pglite, 'pglite.wasm'))));
  } catch {}
  try {
    const vector = fromTarGz(join(dirname(require.resolve('@electric-sql/pglite-pgvector')), 'vector.tar.gz'), '/vector.so');
    if (vector) tables.push(parse('vector.so', vector));
  } catch {}
  return tables;
}

/**
 * For each wasm:// module of a profile, the binary it is: the smallest with enough functions for every
 * index seen whose exports name at least one of them (PostgreSQL's own binary names many small indices
 * too; a module neither names, another extension such as a text-search dictionary, stays unnamed).
 */
export function wasmNamer(tables: WasmNames[], indicesByModule: Map<string, number[]>) {
  const tableOf = new Map<string, WasmNames | undefined>();
  for (const [url, indices] of indicesByModule) {
    const max = Math.max(...indices);
    const fitting = tables
      .filter((table) => table.functions > max && indices.some((index) => table.exports.has(index)))
      .sort((a, b) => a.functions - b.functions);
    tableOf.set(url, fitting[0]);
  }
  return (url: string, functionName: string): string => {
    const index = /^wasm-function\[(\d+)\]$/.exec(functionName)?.[1];
    const table = tableOf.get(url);
    if (index === undefined || !table) return functionName;
    const name = table.exports.get(Number(index));
    return name ? `${name} (${table.file})` : `${functionName} (${table.file}, not exported)`;
  };
}
