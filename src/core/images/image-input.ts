import { z } from 'zod';
import { idSchema, text } from '../input-limits.js';

export const IMAGE_DETAILS = ['auto', 'low', 'high'] as const;
export type ImageDetail = (typeof IMAGE_DETAILS)[number];

/** An https URL (or a data: URL) is at most this long as text; a data: URL is bounded by IMAGE_MAX_BYTES instead. */
export const IMAGE_URL_MAX_CHARS = 8_192;
export const FILENAME_MAX_CHARS = 255;

const detail = z.enum(IMAGE_DETAILS, { error: `must be one of ${IMAGE_DETAILS.join(', ')}` }).nullish();

/**
 * One image of a chat message, given one of four ways: `url` (https, passed to the model as it is;
 * a data: URL here reads as `dataUrl`), `dataUrl` (stored), `bytes` (an upload; stored) or `fileId`
 * (an image stored before, of the same owner). `detail` is OpenAI's image detail.
 */
export const imageInputSchema = z
  .object({
    url: z.string().nullish(),
    dataUrl: z.string().nullish(),
    bytes: z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'must be the image’s bytes' }).nullish(),
    filename: text(FILENAME_MAX_CHARS).nullish(),
    fileId: idSchema.nullish(),
    detail,
  })
  .refine((image) => [image.url, image.dataUrl, image.bytes, image.fileId].filter((value) => value != null).length === 1, {
    error: 'must give exactly one of url, dataUrl, an upload (file) or fileId',
  });

export type ImageInput = z.input<typeof imageInputSchema>;

/** An image of a history the caller gives (not stored): a URL or a data: URL. */
export const historyImageSchema = z.object({ url: z.string(), detail });

export const imagesSchema = (max: number) => z.array(imageInputSchema).max(max, { error: `may hold at most ${max} images (MAX_IMAGES_PER_MESSAGE)` });
