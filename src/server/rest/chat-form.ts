import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { badInput } from '../../core/errors.js';
import type { ImageDetail, ImageInput } from '../../core/images/image-input.js';

/**
 * A chat sent as multipart/form-data: text fields by name, `images` repeated (a file, or a URL as
 * text). Each upload stands in the body as a mark no text field can carry (this process's own
 * nonce), so the body is checked against its schema like JSON; the bytes stay beside it.
 */
const UPLOAD_MARK = `upload:${randomUUID()}:`;
const uploads = new WeakMap<FastifyRequest, Array<{ bytes: Uint8Array; filename: string | null }>>();

/** Fields whose form values are JSON text, and those that are true or false. */
const JSON_FIELDS = new Set(['metadata', 'response_format', 'client_tools', 'tool_choice']);
const BOOLEAN_FIELDS = new Set(['stream', 'parallel_tool_calls']);

export async function parseChatForm(request: FastifyRequest, body: Buffer): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await new Response(body as unknown as BodyInit, { headers: { 'content-type': String(request.headers['content-type']) } }).formData();
  } catch {
    throw badInput('The body is not valid multipart/form-data');
  }
  const fields: Record<string, unknown> = {};
  const images: string[] = [];
  const files: Array<{ bytes: Uint8Array; filename: string | null }> = [];
  for (const [name, value] of form) {
    if (name === 'images') {
      if (typeof value === 'string') images.push(value);
      else {
        files.push({ bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name || null });
        images.push(`${UPLOAD_MARK}${files.length - 1}`);
      }
      continue;
    }
    if (typeof value !== 'string') throw badInput(`Invalid input: ${name} must be text (only images may be files)`, { problems: [`${name} must be text (only images may be files)`] });
    if (Object.hasOwn(fields, name)) throw badInput(`Invalid input: ${name} is given twice`, { problems: [`${name} is given twice`] });
    fields[name] = JSON_FIELDS.has(name) ? jsonField(name, value) : BOOLEAN_FIELDS.has(name) ? value.trim().toLowerCase() === 'true' : value;
  }
  if (images.length > 0) fields.images = images;
  uploads.set(request, files);
  return fields;
}

function jsonField(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw badInput(`Invalid input: ${name} must be JSON text`, { problems: [`${name} must be JSON text`] });
  }
}

type JsonImage = { url?: string; data_url?: string; file_id?: string; detail?: ImageDetail | null };

/** A chat body's images in the core's terms: JSON objects, or a form's uploads and URLs. */
export function imageInputs(request: FastifyRequest, images: ReadonlyArray<string | JsonImage> | null | undefined): ImageInput[] | undefined {
  if (!images) return undefined;
  const files = uploads.get(request) ?? [];
  return images.map((image) => {
    if (typeof image !== 'string') return { url: image.url, dataUrl: image.data_url, fileId: image.file_id, detail: image.detail };
    if (!image.startsWith(UPLOAD_MARK)) return { url: image };
    const file = files[Number(image.slice(UPLOAD_MARK.length))]!;
    return { bytes: file.bytes, filename: file.filename };
  });
}
