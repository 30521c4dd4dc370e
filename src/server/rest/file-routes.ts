import type { FastifyInstance } from 'fastify';
import { IMAGE_MEDIA_TYPES } from '../../core/images/image-type.js';
import { principalOf } from './caller.js';
import type { RestOptions } from './options.js';
import { errorResponses, fileIdParams, userIdQuery } from './schemas.js';

/** A stored file never changes under its id: a client (never a shared cache) may keep it. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable';

/** GET /files/{file_id}: a stored image, to the owner of the conversation it was sent in (anyone else: 404). */
export async function fileRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  app.get('/files/:file_id', {
    schema: {
      tags: ['files'],
      operationId: 'getFile',
      summary: 'A stored image (an image part’s url)',
      description:
        'The bytes as stored, typed by their content (image/png, image/jpeg, image/webp or image/gif). Only the owner of the conversation it was sent in ' +
        '(or an admin) may read it: anyone else gets NOT_FOUND, as for the conversation. Cacheable privately for good (an id never changes its bytes); ' +
        '`If-None-Match` with the ETag answers 304.',
      params: fileIdParams,
      querystring: userIdQuery,
      response: {
        200: {
          description: 'The image',
          content: Object.fromEntries(IMAGE_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
        },
        304: { description: 'Not modified: the ETag matched', type: 'null' },
        ...errorResponses(404),
      },
    },
    handler: async (request, reply) => {
      const { file_id: id } = request.params as { file_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      const file = await orchestrator.files.get(principalOf(request), id, { userId });
      const etag = `"${file.id}"`;
      reply.headers({
        'cache-control': CACHE_CONTROL,
        etag,
        // Never read as anything but the image it is, nor run as a page if opened directly.
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
      });
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type(file.mediaType).header('content-length', file.byteSize).send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
    },
  });
}
