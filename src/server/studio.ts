import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `npm run build` writes the console here: dist/studio, two levels up from src/server and dist/server alike. */
export const DEFAULT_STUDIO_DIR = fileURLToPath(new URL('../../dist/studio/', import.meta.url));

export interface StudioOptions {
  /** The built console: index.html, assets/ (hashed names), each file beside its .br and .gz. */
  dir: string;
}

/** A host as browsers send it (name or address, optional port): anything else stays out of the policy. */
const PLAIN_HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/**
 * Only this origin: scripts, styles and fonts from the console's own files, data from its own
 * /graphql (HTTP and WebSocket), nothing from anywhere else, no framing.
 */
export function studioCsp(host: string | undefined): string {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    `connect-src 'self'${sockets}`,
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "script-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The Studio web console at /studio: static files only, its data comes through the same
 * authenticated GraphQL API as any client's. Each file is compressed once at build time (brotli and
 * gzip beside it) and sent as the client accepts; hashed assets are cached for good, index.html is
 * revalidated. Any other path under /studio is the app's own route: index.html.
 */
export async function studioRoutes(app: FastifyInstance, options: StudioOptions) {
  // STUDIO_DIR may be relative (to the working directory); @fastify/static takes absolute roots only.
  const dir = resolve(options.dir);
  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', studioCsp(request.headers.host));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ studioDir: dir }, 'The Studio is not built: /studio answers 503 until `npm run build` writes it');
    const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('The Studio is not built: run `npm run build` (npm start does it first), then reload. (It is read from STUDIO_DIR, by default dist/studio.)\n');
    app.get('/studio', notBuilt);
    app.get('/studio/*', notBuilt);
    return;
  }

  // Files at the top of the build (index.html, the icon) by name; everything else outside assets/ is a route of the app.
  const topLevel = new Set(readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile() && !/\.(br|gz)$/.test(entry.name)).map((entry) => entry.name));

  await app.register(fastifyStatic, {
    root: dir,
    serve: false,
    preCompressed: true,
    cacheControl: false,
    etag: true,
    lastModified: false,
    setHeaders: (reply: FastifyReply, path: string) => {
      const hashed = path.startsWith(join(dir, 'assets'));
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  const index = async (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
  app.get('/studio', index);
  app.get('/studio/*', async (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const path = request.params['*'];
    if (path.startsWith('assets/') || topLevel.has(path)) return reply.sendFile(path);
    return index(request, reply);
  });
}
