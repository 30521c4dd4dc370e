import { randomUUID } from 'node:crypto';
import { badInput } from '../errors.js';
import type { ChatImage } from '../models/chat-model.js';
import type { FileStore, NewFile } from './file-store.js';
import type { ImageFetcher } from './image-fetch.js';
import type { ImageInput } from './image-input.js';
import type { ImagePart } from './image-part.js';
import type { ImageSettings } from './image-settings.js';
import { checkedImage, checkedImageUrl, dataUrlBytes, ImageProblem, isDataUrl, toDataUrl } from './image-sources.js';

/** A message's images, checked: what is stored with it, the new files, and what the model is sent. */
export interface ResolvedImages {
  parts: ImagePart[];
  files: NewFile[];
  model: ChatImage[];
}

/**
 * The images of chat messages: checks what a caller sends (type by content, size, count, URL
 * policy, whose file), turns it into what is stored and what the model reads, and reads stored
 * images back for the model (history, a resumed run). Nothing is written here: the files are
 * stored with their message, in one transaction.
 */
export class MessageImages {
  constructor(
    private readonly deps: {
      files: FileStore;
      settings: ImageSettings;
      /** Set with IMAGE_FETCH: URLs are read and stored like uploads. */
      fetchImage?: ImageFetcher | undefined;
    },
  ) {}

  get settings(): ImageSettings {
    return this.deps.settings;
  }

  /**
   * A new message's images, for a conversation owned by `ownerId`. Every problem is BAD_USER_INPUT
   * naming the field (`images.1.dataUrl …`); a fileId of nobody's file and of another owner's
   * read alike, so ids are not probed.
   */
  async resolve(inputs: readonly ImageInput[], ownerId: string | null, signal?: AbortSignal): Promise<ResolvedImages> {
    const { settings } = this.deps;
    if (inputs.length > settings.maxPerMessage) throw refusal('images', `may hold at most ${settings.maxPerMessage} images (MAX_IMAGES_PER_MESSAGE)`);
    const fileIds = inputs.flatMap((input) => (input.fileId ? [input.fileId] : []));
    const known = new Map((await this.deps.files.findMany(fileIds)).map((file) => [file.id, file]));
    const resolved: ResolvedImages = { parts: [], files: [], model: [] };
    for (const [index, input] of inputs.entries()) {
      const detail = input.detail ?? null;
      const field = input.fileId ? 'fileId' : input.bytes ? 'file' : input.dataUrl != null ? 'dataUrl' : 'url';
      try {
        if (input.fileId) {
          const file = known.get(input.fileId);
          if (!file || file.userId !== ownerId) throw new ImageProblem(`names no stored image of this conversation’s owner ("${input.fileId}")`);
          resolved.parts.push({ type: 'image', fileId: file.id, url: null, mediaType: file.mediaType, byteSize: file.byteSize, width: file.width, height: file.height, filename: file.filename, detail });
          resolved.model.push(modelImage(toDataUrl(file.mediaType, file.bytes), detail, file));
          continue;
        }
        let bytes: Uint8Array;
        if (input.bytes) bytes = input.bytes;
        else if (input.dataUrl != null) bytes = dataUrlBytes(input.dataUrl, settings.maxBytes);
        else if (isDataUrl(input.url ?? '')) bytes = dataUrlBytes(input.url!, settings.maxBytes);
        else {
          const url = checkedImageUrl(input.url ?? '');
          if (!this.deps.fetchImage) {
            resolved.parts.push({ type: 'image', fileId: null, url: url.href, mediaType: null, byteSize: null, width: null, height: null, filename: null, detail });
            resolved.model.push(modelImage(url.href, detail, { width: null, height: null }));
            continue;
          }
          bytes = await this.deps.fetchImage(url, signal);
        }
        const sniffed = checkedImage(bytes, settings.maxBytes);
        const file: NewFile = { id: randomUUID(), ...sniffed, byteSize: bytes.byteLength, filename: input.filename ?? null, bytes };
        resolved.files.push(file);
        resolved.parts.push({ type: 'image', fileId: file.id, url: null, mediaType: file.mediaType, byteSize: file.byteSize, width: file.width, height: file.height, filename: file.filename, detail });
        resolved.model.push(modelImage(toDataUrl(file.mediaType, bytes), detail, file));
      } catch (error) {
        if (error instanceof ImageProblem) throw refusal(`images.${index}.${field}`, error.message);
        throw error;
      }
    }
    return resolved;
  }

  /**
   * A history's images (a caller's own earlier messages: not stored): URLs checked and passed on,
   * data: URLs checked and sent typed by their content. `at` names the message (`history.3`).
   */
  historyImages(images: ReadonlyArray<{ url: string; detail?: ChatImage['detail'] | null }>, at: string): ChatImage[] {
    const { maxBytes, maxPerMessage } = this.deps.settings;
    if (images.length > maxPerMessage) throw refusal(`${at}.images`, `may hold at most ${maxPerMessage} images (MAX_IMAGES_PER_MESSAGE)`);
    return images.map((image, index) => {
      try {
        if (!isDataUrl(image.url)) return modelImage(checkedImageUrl(image.url).href, image.detail ?? null, { width: null, height: null });
        const bytes = dataUrlBytes(image.url, maxBytes);
        const sniffed = checkedImage(bytes, maxBytes);
        return modelImage(toDataUrl(sniffed.mediaType, bytes), image.detail ?? null, sniffed);
      } catch (error) {
        if (error instanceof ImageProblem) throw refusal(`${at}.images.${index}.url`, error.message);
        throw error;
      }
    });
  }

  /**
   * Stored messages' images as the model is sent them, every stored file read in one query; a
   * file that is gone (erased meanwhile) is left out. One list per message given.
   */
  async forModel(messages: ReadonlyArray<readonly ImagePart[]>): Promise<ChatImage[][]> {
    const ids = messages.flatMap((parts) => parts.flatMap((part) => (part.fileId ? [part.fileId] : [])));
    const files = new Map((await this.deps.files.findMany(ids)).map((file) => [file.id, file]));
    return messages.map((parts) =>
      parts.flatMap((part) => {
        if (part.url) return [modelImage(part.url, part.detail, part)];
        const file = part.fileId ? files.get(part.fileId) : undefined;
        return file ? [modelImage(toDataUrl(file.mediaType, file.bytes), part.detail, file)] : [];
      }),
    );
  }
}

const modelImage = (url: string, detail: ChatImage['detail'] | null, size: { width: number | null; height: number | null }): ChatImage => ({
  url,
  ...(detail ? { detail } : {}),
  width: size.width,
  height: size.height,
});

/** The core's input refusal, in parseInput's words, so every surface names the field its own way. */
const refusal = (field: string, problem: string) => {
  const text = `${field} ${problem}`;
  return badInput(`Invalid input: ${text}`, { problems: [text] });
};
