import { IMAGE_DETAILS, type ImageDetail } from '../../core/images/image-input.js';
import { invalidRequest, invalidType } from './openai-error.js';
import { isObject, type Json } from './request-values.js';

/** One image of a user message as the chat input takes it: a URL (https or data:) or a stored file's id. */
export type RequestImage = UrlImage | { fileId: string; detail?: ImageDetail };
export interface UrlImage {
  url: string;
  detail?: ImageDetail;
}

/**
 * A /v1/chat/completions `image_url` part: `{ type: "image_url", image_url: { url, detail? } }`
 * (the bare-string `image_url` older clients send reads the same). The URL, https or data:, is
 * checked by the core.
 */
export function imageUrlPart(part: Json, at: string): UrlImage {
  const value = typeof part.image_url === 'string' ? { url: part.image_url } : part.image_url;
  if (!isObject(value)) throw invalidType(`${at}.image_url`, 'an object ({ url, detail? })');
  if (typeof value.url !== 'string') throw invalidType(`${at}.image_url.url`, 'a string');
  return { url: value.url, ...detailOf(value.detail, `${at}.image_url.detail`) };
}

/**
 * A /v1/responses `input_image` part: `image_url` (https or data:) or `file_id` (an image muxgate
 * stored before: a file id of GET /files/{id}; OpenAI's own file ids name nothing here), and `detail`.
 */
export function inputImagePart(part: Json, at: string): RequestImage {
  const url = part.image_url ?? undefined;
  const fileId = part.file_id ?? undefined;
  if (url !== undefined && typeof url !== 'string') throw invalidType(`${at}.image_url`, 'a string');
  if (fileId !== undefined && typeof fileId !== 'string') throw invalidType(`${at}.file_id`, 'a string');
  if ((url === undefined) === (fileId === undefined)) throw invalidRequest(`Invalid '${at}': an input_image needs exactly one of 'image_url' and 'file_id'.`, at, 'invalid_value');
  const detail = detailOf(part.detail, `${at}.detail`);
  return url !== undefined ? { url: url as string, ...detail } : { fileId: fileId as string, ...detail };
}

/** OpenAI's image detail; left out (or null) means the provider's default. */
function detailOf(value: unknown, param: string): { detail?: ImageDetail } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string' || !(IMAGE_DETAILS as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid value for '${param}': expected one of 'auto', 'low' or 'high'.`, param, 'invalid_value');
  }
  return { detail: value as ImageDetail };
}
