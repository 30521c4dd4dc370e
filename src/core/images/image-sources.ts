import { isIP } from 'node:net';
import { sniffImage, type SniffedImage } from './image-type.js';
import { IMAGE_URL_MAX_CHARS } from './image-input.js';

/** Why an image was refused, worded to follow its field's name ("images.0.url must …"). */
export class ImageProblem extends Error {}

/** Bytes checked: at most `maxBytes`, and one of the four types by their content. */
export function checkedImage(bytes: Uint8Array, maxBytes: number): SniffedImage {
  if (bytes.byteLength === 0) throw new ImageProblem('is empty');
  if (bytes.byteLength > maxBytes) throw new ImageProblem(`is ${bytes.byteLength.toLocaleString('en')} bytes; the limit is ${maxBytes.toLocaleString('en')} (IMAGE_MAX_BYTES)`);
  const sniffed = sniffImage(bytes);
  if (!sniffed) throw new ImageProblem('is not a PNG, JPEG, WebP or GIF image (judged by its content, not its name or claimed type)');
  return sniffed;
}

const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*?);base64,(.*)$/is;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A data: URL's bytes: base64 only (an image in percent-encoding is no one's format); its claimed type is ignored. */
export function dataUrlBytes(value: string, maxBytes: number): Uint8Array {
  const match = DATA_URL.exec(value);
  if (!match) throw new ImageProblem('must be a base64 data: URL (data:image/png;base64,…)');
  const encoded = match[3]!.replace(/\s+/g, '');
  // Refused by its length before anything is decoded.
  if (Math.floor((encoded.length * 3) / 4) - 2 > maxBytes) {
    throw new ImageProblem(`is about ${Math.floor((encoded.length * 3) / 4).toLocaleString('en')} bytes; the limit is ${maxBytes.toLocaleString('en')} (IMAGE_MAX_BYTES)`);
  }
  if (encoded.length % 4 === 1 || !BASE64.test(encoded)) throw new ImageProblem('is not valid base64');
  return Buffer.from(encoded, 'base64');
}

/** The data: URL the model is sent for stored bytes, typed by what they are. */
export const toDataUrl = (mediaType: string, bytes: Uint8Array) => `data:${mediaType};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;

export const isDataUrl = (value: string) => value.slice(0, 5).toLowerCase() === 'data:';

/**
 * An image URL the gateway passes on (or fetches, with IMAGE_FETCH): https; plain http only for
 * this machine (a model server in development), since a provider elsewhere cannot reach it anyway
 * and an http URL elsewhere is readable and changeable on the way.
 */
export function checkedImageUrl(value: string): URL {
  if (value.length > IMAGE_URL_MAX_CHARS) throw new ImageProblem(`must be at most ${IMAGE_URL_MAX_CHARS.toLocaleString('en')} characters (send large images as uploads or data: URLs)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ImageProblem('must be an absolute https URL');
  }
  if (url.username || url.password) throw new ImageProblem('must not carry a user name or password');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new ImageProblem(url.protocol === 'http:' ? 'must be https (http only for localhost)' : 'must be an https URL (or a data: URL)');
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
