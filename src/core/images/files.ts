import type { Principal } from '../auth/principal.js';
import { mayReadOwned, viewerOf } from '../auth/visibility.js';
import { notFound } from '../errors.js';
import type { FileStore, StoredFile } from './file-store.js';

/** Stored images as their owners read them (GET /files/{id}): another user's file is not found, as their conversations are not. */
export class Files {
  constructor(private readonly store: FileStore) {}

  async get(principal: Principal, id: string, options: { userId?: string | null } = {}): Promise<StoredFile> {
    const viewer = viewerOf(principal, options.userId);
    const file = await this.store.find(id);
    if (!file || !mayReadOwned(viewer, file.userId)) throw notFound('File', id);
    return file;
  }
}
