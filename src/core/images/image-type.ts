/** The image types muxgate accepts: the four every vision model reads. */
export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

export interface SniffedImage {
  mediaType: ImageMediaType;
  /** From the header; null when the header does not say (a JPEG without a frame header in reach). */
  width: number | null;
  height: number | null;
}

/**
 * What the bytes are, by their magic numbers (never by a name or a claimed type), with the
 * dimensions their header gives; undefined for anything but PNG, JPEG, WebP and GIF.
 */
export function sniffImage(bytes: Uint8Array): SniffedImage | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) {
    // IHDR is always the first chunk: width and height at 16 and 20.
    return { mediaType: 'image/png', ...size(b.readUInt32BE(16), b.readUInt32BE(20)) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mediaType: 'image/jpeg', ...jpegSize(b) };
  if (b.length >= 10 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) {
    return { mediaType: 'image/gif', ...size(b.readUInt16LE(6), b.readUInt16LE(8)) };
  }
  if (b.length >= 16 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return { mediaType: 'image/webp', ...webpSize(b) };
  return undefined;
}

const UNKNOWN = { width: null, height: null };
const size = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : UNKNOWN);

/** The first start-of-frame segment's dimensions, walking the segments from the start. */
function jpegSize(b: Buffer): { width: number | null; height: number | null } {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return UNKNOWN;
    const marker = b[at + 1]!;
    // Fill bytes, and markers that carry no length.
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    // SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC): height, then width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return size(b.readUInt16BE(at + 7), b.readUInt16BE(at + 5));
    at += 2 + b.readUInt16BE(at + 2);
  }
  return UNKNOWN;
}

function webpSize(b: Buffer): { width: number | null; height: number | null } {
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X' && b.length >= 30) return size(1 + b.readUIntLE(24, 3), 1 + b.readUIntLE(27, 3));
  // Lossy: a key frame's start code, then 14-bit width and height.
  if (chunk === 'VP8 ' && b.length >= 30 && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) return size(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
  // Lossless: a signature byte, then 14-bit width − 1 and height − 1.
  if (chunk === 'VP8L' && b.length >= 25 && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return size(1 + (bits & 0x3fff), 1 + ((bits >> 14) & 0x3fff));
  }
  return UNKNOWN;
}
