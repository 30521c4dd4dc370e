import { DomainError, type ErrorCode } from '../errors.js';

export interface BeforeProcessMessageContext {
  message: string;
  /** The agent the caller asked for, or null when the orchestrator will choose. */
  agentId: string | null;
  userId: string | null;
  conversationId: string | null;
  metadata: unknown;
}

export interface AfterProcessMessageContext {
  response: string;
  agentId: string;
  userId: string | null;
  conversationId: string;
}

/** Return `{ modifiedMessage }` to rewrite; throw to reject (an error with a `code` keeps it). */
export type BeforeProcessMessageHook = (
  context: BeforeProcessMessageContext,
) => void | { modifiedMessage?: string } | Promise<void | { modifiedMessage?: string }>;

/** Return `{ modifiedResponse }` to rewrite the stored and returned answer. */
export type AfterProcessMessageHook = (
  context: AfterProcessMessageContext,
) => void | { modifiedResponse?: string } | Promise<void | { modifiedResponse?: string }>;

export interface HookMap {
  beforeProcessMessage: BeforeProcessMessageHook;
  afterProcessMessage: AfterProcessMessageHook;
}

export type HookName = keyof HookMap;

const CALLER_CODES = new Set<ErrorCode>(['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'UNAUTHENTICATED']);

/** Hooks run in registration order; each sees the previous one's rewrite. */
export class Hooks {
  private readonly before: BeforeProcessMessageHook[] = [];
  private readonly after: AfterProcessMessageHook[] = [];

  /** Adds a hook; the returned function removes it again. */
  register<N extends HookName>(name: N, hook: HookMap[N]): () => void {
    const list: Array<HookMap[HookName]> =
      name === 'beforeProcessMessage' ? this.before : name === 'afterProcessMessage' ? this.after : [];
    if (list.length === 0 && name !== 'beforeProcessMessage' && name !== 'afterProcessMessage') {
      throw new Error(`Unknown hook "${String(name)}": use beforeProcessMessage or afterProcessMessage`);
    }
    list.push(hook);
    return () => {
      const index = list.indexOf(hook);
      if (index !== -1) list.splice(index, 1);
    };
  }

  async beforeProcessMessage(context: BeforeProcessMessageContext): Promise<string> {
    let message = context.message;
    for (const hook of this.before) {
      let result;
      try {
        result = await hook({ ...context, message });
      } catch (error) {
        throw asRejection(error);
      }
      if (typeof result?.modifiedMessage === 'string') message = result.modifiedMessage;
    }
    return message;
  }

  async afterProcessMessage(context: AfterProcessMessageContext): Promise<string> {
    let response = context.response;
    for (const hook of this.after) {
      const result = await hook({ ...context, response });
      if (typeof result?.modifiedResponse === 'string') response = result.modifiedResponse;
    }
    return response;
  }
}

/** A hook's rejection reaches the caller with its message; its code when it names one, else BAD_USER_INPUT. */
function asRejection(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new DomainError(CALLER_CODES.has(code as ErrorCode) ? (code as ErrorCode) : 'BAD_USER_INPUT', `Message rejected: ${message}`);
}
