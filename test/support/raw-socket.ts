import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A bare graphql-transport-ws socket, for what a client library hides: close codes, refused
 * upgrades, frames of any size. `headers` go on the upgrade request (e.g. X-Forwarded-For).
 */
export function rawSocket(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  const messages: any[] = [];
  /** Every frame's bytes as they came, for tests that compare bytes. */
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  let refusedStatus: number | undefined;
  let isClosed = false;
  const closed = new Promise<Closed>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      resolve({ code, reason: String(reason) });
      wake();
    });
    socket.on('unexpected-response', (_request, response) => {
      refusedStatus = response.statusCode;
      isClosed = true;
      resolve({ code: -1, reason: `HTTP ${response.statusCode}` });
      wake();
      socket.terminate();
    });
  });
  socket.on('error', () => {}); // the close (or unexpected-response) tells the test what happened
  socket.on('message', (data) => {
    frames.push(String(data));
    messages.push(JSON.parse(String(data)));
    wake();
  });
  const until = async (done: () => boolean) => {
    while (!done() && !isClosed) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const opened = new Promise<'open' | 'refused'>((resolve) => {
    socket.once('open', () => resolve('open'));
    void closed.then(() => resolve('refused'));
  });

  return {
    socket,
    messages,
    frames,
    closed,
    opened,
    get refusedStatus() {
      return refusedStatus;
    },
    get isOpen() {
      return socket.readyState === WebSocket.OPEN;
    },
    send(message: object) {
      socket.send(JSON.stringify(message));
    },
    /** Sends connection_init; resolves 'ack', or the close if the server closed instead. */
    async init(payload: Record<string, unknown> = {}): Promise<'ack' | Closed> {
      if ((await opened) === 'refused') return closed;
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
      await until(() => messages.some((m) => m.type === 'connection_ack'));
      return messages.some((m) => m.type === 'connection_ack') ? 'ack' : closed;
    },
    /** Runs one operation; resolves with the messages for it up to complete or error (or the close). */
    async run(id: string, query: string, variables?: Record<string, unknown>): Promise<any[]> {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      await until(() => messages.some((m) => m.id === id && (m.type === 'complete' || m.type === 'error')));
      return messages.filter((m) => m.id === id);
    },
    close() {
      socket.close(1000);
      return closed;
    },
  };
}
