import { once } from 'node:events';
import { createServer } from 'node:net';

/** A 127.0.0.1 port nothing listens on: bound, then released (for a server to take, or a connection to be refused). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
