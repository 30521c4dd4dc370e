// express 5 ships no types and @types/express is not installed: the little of it the A2A test server uses.
declare module 'express' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  export interface Application extends RequestHandler {
    use(handler: RequestHandler): Application;
    use(path: string, handler: RequestHandler): Application;
  }
  export default function express(): Application;
}
