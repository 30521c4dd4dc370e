import type { Kysely, Transaction } from 'kysely';
import type { Tables } from '../../db/tables.js';
import type { ImageMediaType } from './image-type.js';

/** An image file to store with its message. */
export interface NewFile {
  id: string;
  mediaType: ImageMediaType;
  byteSize: number;
  width: number | null;
  height: number | null;
  filename: string | null;
  bytes: Uint8Array;
}

export interface StoredFile extends NewFile {
  userId: string | null;
  conversationId: string;
  createdAt: Date;
}

/** Rows of `files`; knows SQL, not permissions. */
export class FileStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Inside the transaction that stores their message (its conversation may be new in it). */
  async insert(tx: Transaction<Tables>, conversationId: string, userId: string | null, files: readonly NewFile[]): Promise<void> {
    if (files.length === 0) return;
    await tx
      .insertInto('files')
      .values(
        files.map((file) => ({
          id: file.id,
          user_id: userId,
          conversation_id: conversationId,
          media_type: file.mediaType,
          byte_size: file.byteSize,
          width: file.width,
          height: file.height,
          filename: file.filename,
          bytes: file.bytes,
        })),
      )
      .execute();
  }

  /** Files of these ids, bytes included, in one query. */
  async findMany(ids: readonly string[]): Promise<StoredFile[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('files').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      conversationId: row.conversation_id,
      mediaType: row.media_type as ImageMediaType,
      byteSize: row.byte_size,
      width: row.width,
      height: row.height,
      filename: row.filename,
      // pg gives a Buffer, PGlite a Uint8Array.
      bytes: row.bytes instanceof Buffer ? row.bytes : Buffer.from(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength),
      createdAt: row.created_at,
    }));
  }

  async find(id: string): Promise<StoredFile | undefined> {
    return (await this.findMany([id]))[0];
  }
}
