import { crc32, deflateSync } from 'node:zlib';
import type { TestGateway } from './gateway.js';

/**
 * Real, minimal image files made in code: each is what its type's decoders read (a PNG of zero
 * pixels, a baseline JPEG of mid-grey blocks, a one-pixel GIF, a one-pixel lossless WebP).
 */

const chunk = (type: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
};

/** An RGB PNG; `noise` fills it with incompressible bytes (to pass a size limit). */
export function png(width = 2, height = 2, noise = false): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = 1 + width * 3;
  const pixels = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 1; x < row; x++) if (noise) pixels[y * row + x] = Math.floor(Math.random() * 256);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels, { level: noise ? 0 : 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];

/** A baseline greyscale JPEG: every 8 × 8 block's DC difference 0 and its AC at once end-of-block, one one-bit code each. */
export function jpeg(width = 16, height = 8): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const bits = '00'.repeat(blocks).padEnd(Math.ceil((blocks * 2) / 8) * 8, '1');
  const scan = bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2));
  const oneCodeTable = (classAndId: number) => segment(0xc4, [classAndId, 1, ...Array(15).fill(0), 0x00]);
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xdb, [0x00, ...Array(64).fill(1)]),
    ...segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]),
    ...oneCodeTable(0x00),
    ...oneCodeTable(0x10),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...scan,
    0xff, 0xd9,
  ]);
}

/** A one-pixel GIF89a (white, one colour table entry pair, LZW minimum code size 2). */
export function gif(): Buffer {
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'), 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0,
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b,
  ]);
}

/** A one-pixel lossless WebP: the RIFF container around a VP8L bitstream. */
export function webp(): Buffer {
  const vp8l = Buffer.from([0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07]);
  // A chunk of odd size is padded to an even one.
  const body = Buffer.concat([Buffer.from('WEBPVP8L', 'latin1'), Buffer.from([vp8l.length, 0, 0, 0]), vp8l, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
}

export const dataUrl = (bytes: Buffer, claimed = 'image/png') => `data:${claimed};base64,${bytes.toString('base64')}`;

/** A GraphQL multipart request (the spec's `operations`, `map`, then the files), built by hand. */
export function graphqlMultipart(query: string, variables: Record<string, unknown>, files: Array<{ path: string; bytes: Buffer; name: string; type?: string }>): FormData {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map((file, i) => [String(i), [file.path]]))));
  files.forEach((file, i) => form.append(String(i), new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name));
  return form;
}

export async function postGraphQLForm(gw: TestGateway, form: FormData, credential: string) {
  const response = await fetch(gw.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${credential}`, accept: 'application/graphql-response+json' }, body: form });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> } };
}
