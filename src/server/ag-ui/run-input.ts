import type { Message, RunAgentInput } from '@ag-ui/core';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import { badInput } from '../../core/errors.js';

/** What a history message of a new thread becomes: the model's own terms (ChatInput.history). */
export type HistoryMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: Array<{ id: string; name: string; arguments: string }> }
  | { role: 'tool'; content: string; toolCallId: string };

/** A client's answers to the run its thread waits on: tool results (tool messages) and approvals (interrupt answers). */
export interface ThreadDecisions {
  results: Array<{ callId: string; output?: string; error?: string }>;
  approvals: Array<{ callId: string; approved: boolean; reason: string | null }>;
}

/** What one AG-UI run asks of muxgate: a new turn (the last user message), or decisions for the waiting run. */
export type RunRequest =
  | { kind: 'turn'; message: string; history: HistoryMessage[] }
  | { kind: 'decisions'; decisions: ThreadDecisions };

/** RunAgentInput checked by @ag-ui/core's own schema; a refusal names the field (BAD_USER_INPUT). */
export function parseRunAgentInput(body: unknown): RunAgentInput {
  const parsed = RunAgentInputSchema.safeParse(body);
  if (parsed.success) return parsed.data as RunAgentInput;
  const issue = parsed.error.issues[0]!;
  const field = fieldName(issue.path);
  throw badInput(`${field || 'body'}: ${issue.message} (not an AG-UI RunAgentInput)`, { field: field || 'body' });
}

/**
 * The run's request. Trailing tool messages (after the last assistant message) and `resume` answer
 * the waiting run; otherwise the last message must be the user's, and the messages before it are
 * the history a new thread starts from.
 */
export function runRequestOf(input: RunAgentInput): RunRequest {
  const { messages } = input;
  const results: ThreadDecisions['results'] = [];
  let index = messages.length - 1;
  for (; index >= 0 && messages[index]!.role === 'tool'; index--) {
    const message = messages[index] as Extract<Message, { role: 'tool' }>;
    const output = textOf(message.content, `messages[${index}].content`);
    results.unshift(message.error ? { callId: message.toolCallId, error: message.error } : { callId: message.toolCallId, output });
  }
  const approvals = (input.resume ?? []).map((entry, at) => approvalOf(entry, at));
  if (results.length > 0 || approvals.length > 0) return { kind: 'decisions', decisions: { results, approvals } };

  const last = messages.at(-1);
  if (!last || last.role !== 'user') {
    throw badInput(`messages: the last message must be the user's (a new turn) or tool results (for the run that waits); it is ${last ? `"${last.role}"` : 'missing'}`, { field: 'messages' });
  }
  const message = textOf(last.content, `messages[${messages.length - 1}].content`);
  const history = messages.slice(0, -1).flatMap((earlier, at) => historyOf(earlier, at));
  return { kind: 'turn', message, history };
}

/** A content of text, or of text parts; other parts (images, audio, files) are refused for now, naming the part. */
function textOf(content: string | ReadonlyArray<{ type: string; text?: string }> | undefined, field: string): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, at) => {
      if (part.type !== 'text') throw badInput(`${field}[${at}]: ${part.type} content is not supported yet; send text`, { field: `${field}[${at}]` });
      return part.text ?? '';
    })
    .join('\n');
}

function historyOf(message: Message, at: number): HistoryMessage[] {
  const field = `messages[${at}].content`;
  switch (message.role) {
    case 'developer':
    case 'system':
      return [{ role: 'system', content: message.content }];
    case 'user':
      return [{ role: 'user', content: textOf(message.content, field) }];
    case 'assistant': {
      const toolCalls = message.toolCalls?.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
      return [{ role: 'assistant', content: message.content ?? null, ...(toolCalls?.length ? { toolCalls } : {}) }];
    }
    case 'tool':
      return [{ role: 'tool', content: message.error ?? textOf(message.content, field), toolCallId: message.toolCallId }];
    default:
      // Activity and reasoning messages are the frontend's display, not the model's conversation.
      return [];
  }
}

/** An interrupt's answer: `{ approved, reason? }` (or a bare boolean); a cancelled interrupt refuses the call. */
function approvalOf(entry: NonNullable<RunAgentInput['resume']>[number], at: number): ThreadDecisions['approvals'][number] {
  if (entry.status === 'cancelled') return { callId: entry.interruptId, approved: false, reason: 'the client cancelled the interrupt' };
  const payload = entry.payload as unknown;
  if (typeof payload === 'boolean') return { callId: entry.interruptId, approved: payload, reason: null };
  const answer = payload as { approved?: unknown; reason?: unknown } | null | undefined;
  if (typeof answer?.approved !== 'boolean') throw badInput(`resume[${at}].payload.approved: must be true or false`, { field: `resume[${at}].payload.approved` });
  if (answer.reason !== undefined && answer.reason !== null && typeof answer.reason !== 'string') {
    throw badInput(`resume[${at}].payload.reason: must be a string`, { field: `resume[${at}].payload.reason` });
  }
  return { callId: entry.interruptId, approved: answer.approved, reason: (answer.reason as string | null | undefined) ?? null };
}

/** A zod issue's path as a field name: messages[2].content. */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), '');
}
