import type { WebSocket } from 'ws';

/** Where a WebSocket operation's frames may be written directly: its graphql-ws id and its socket. */
export interface DirectFrames {
  operationId: string;
  /** Writes one frame now; false when the socket is not open or is behind (the frame then takes the usual way). */
  write(frame: string): boolean;
}

/** Past this many bytes waiting to be written, a socket is behind: frames go through graphql-ws, which waits for each write. */
const BEHIND_BYTES = 16 * 1024;

const byContext = new WeakMap<object, DirectFrames>();

/** Lets the operation whose context this is write its frames to `socket` directly. */
export function allowDirectFrames(context: object, operationId: string, socket: WebSocket): void {
  byContext.set(context, {
    operationId,
    write(frame) {
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > BEHIND_BYTES) return false;
      socket.send(frame);
      return true;
    },
  });
}

export const directFramesOf = (context: unknown): DirectFrames | undefined =>
  typeof context === 'object' && context !== null ? byContext.get(context) : undefined;
