import type { ImageDetail } from './image-input.js';
import type { ImageMediaType } from './image-type.js';

/**
 * An image of a user message as stored (messages.parts): a file muxgate keeps (GET /files/{id}),
 * or a URL it passed to the model as it was.
 */
export interface ImagePart {
  type: 'image';
  /** A stored image; null for a URL passed through. */
  fileId: string | null;
  /** A URL passed through; null for a stored image. */
  url: string | null;
  /** Stored images: their type by content, size and dimensions (null when the header does not say). */
  mediaType: ImageMediaType | null;
  byteSize: number | null;
  width: number | null;
  height: number | null;
  /** An upload's name, as the client gave it (never used to type it). */
  filename: string | null;
  detail: ImageDetail | null;
}

/** The path a stored image is served at, to its owner: relative, so it holds behind any proxy. */
export const filePath = (fileId: string) => `/files/${encodeURIComponent(fileId)}`;

/** messages.parts as read: a list of image parts, or none. */
export const imagePartsOf = (value: unknown): ImagePart[] => (Array.isArray(value) ? (value as ImagePart[]) : []);
