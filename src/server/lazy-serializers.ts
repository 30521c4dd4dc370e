import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's own response serializers (fast-json-stringify), each generated at its route's first response instead
 * of when the route is added: generated for every route and status at start, their ~650 kB of source and their
 * code stayed in an idle gateway's heap. Each is built by a fresh factory, as if it were the only one.
 */
export const lazySerializers: SerializerFactory = (externalSchemas, options) => (route) => {
  let serialize: ((doc: unknown) => string) | undefined;
  return (doc) => (serialize ??= SerializerSelector()(externalSchemas, options)(route))(doc);
};
