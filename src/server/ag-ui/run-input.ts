import type { ContentPart, ImagePart, Message, RunAgentInput } from '@ag-ui/core';
import { badInput } from '../../core/errors.js';
import { lazyImport } from '../../core/lazy-import.js';
import { IMAGE_DETAILS, type ImageDetail, type ImageInput } from '../../core/images/image-input.js';
import { ImageOrigins, type ImageSpot } from '../image-origins.js';

/** A history image: sent on as it is (a URL or a data: URL), never stored. */
type HistoryImage = { url: string; detail?: ImageDetail };

/** What a history message of a new thread becomes: the model's own terms (ChatInput.history). */
export type HistoryMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string; images?: HistoryImage[] }
  | { role: 'assistant'; content: string | null; toolCalls?: Array<{ id: string; name: string; arguments: string }> }
  | { role: 'tool'; content: string; toolCallId: string };

/** A client's answers to the run its thread waits on: tool results (tool messages) and approvals (interrupt answers). */
export interface ThreadDecisions {
  results: Array<{ callId: string; output?: string; error?: string }>;
  approvals: Array<{ callId: string; approved: boolean; reason: string | null }>;
}

/** What one AG-UI run asks of muxgate: a new turn (the last user message), or decisions for the waiting run. */
export type RunRequest =
  | { kind: 'turn'; message: string; images: ImageInput[]; history: HistoryMessage[]; imageOrigins: ImageOrigins }
  | { kind: 'decisions'; decisions: ThreadDecisions };

/** @ag-ui/core's zod schemas, built when loaded (about 2 MB of heap): loaded at the first AG-UI request. */
const schemas = lazyImport(() => import('@ag-ui/core/schemas'));

/** RunAgentInput checked by @ag-ui/core's own schema; a refusal names the field (BAD_USER_INPUT). */
export async function parseRunAgentInput(body: unknown): Promise<RunAgentInput> {
  const { RunAgentInputSchema } = await schemas();
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
  const imageOrigins = new ImageOrigins();
  const turn = userContentOf(last.content, `messages[${messages.length - 1}].content`);
  if (turn.images.length) imageOrigins.setMessage(turn.spot);
  const history: HistoryMessage[] = [];
  messages.slice(0, -1).forEach((earlier, at) => {
    for (const { message, spot } of historyOf(earlier, at)) {
      // The core's history index, which skipped messages (activity, reasoning) make differ from the request's.
      if (spot) imageOrigins.setHistory(history.length, spot);
      history.push(message);
    }
  });
  return { kind: 'turn', message: turn.text, images: turn.images.map((image) => image.input), history, imageOrigins };
}

/** A content of text, or of text parts; media parts are refused here (only user messages take images), naming the part. */
function textOf(content: string | ReadonlyArray<ContentPart> | undefined, field: string): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, at) => {
      if (part.type !== 'text') throw badInput(`${field}[${at}]: ${part.type} content is not taken here; ${part.type === 'image' ? 'images are taken in user messages' : 'send text or images'}`, { field: `${field}[${at}]` });
      return part.text;
    })
    .join('\n');
}

/** A user message's content: its text parts joined, its image parts (in order, after the text for the model) and where they are. */
function userContentOf(content: string | ReadonlyArray<ContentPart>, field: string): { text: string; images: Array<{ input: ImageInput; at: string }>; spot: ImageSpot } {
  if (typeof content === 'string') return { text: content, images: [], spot: { content: field, parts: [] } };
  const texts: string[] = [];
  const images: Array<{ input: ImageInput; at: string }> = [];
  content.forEach((part, index) => {
    const at = `${field}[${index}]`;
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'image') images.push({ input: imageOf(part, at), at });
    else throw badInput(`${at}: ${part.type} content is not supported; send text or images`, { field: at });
  });
  return { text: texts.join('\n'), images, spot: { content: field, parts: images.map((image) => image.at) } };
}

/**
 * An AG-UI image part as the chat input takes it: inline data as a data: URL (its claimed type is
 * ignored, the bytes say), a URL as it is, a file handle as an image muxgate stored before (its file
 * id; another provider's handle names nothing here). `metadata.detail` is OpenAI's detail.
 */
function imageOf(part: ImagePart, at: string): ImageInput {
  const detail = detailOf(part.metadata, at);
  const { source } = part;
  switch (source.type) {
    case 'data':
      return { dataUrl: `data:${source.mimeType.replace(/[^\w.+/-]/g, '')};base64,${source.value}`, ...detail };
    case 'url':
      return { url: source.value, ...detail };
    case 'file':
      if (source.provider !== undefined && source.provider !== 'muxgate') {
        throw badInput(`${at}.source.provider: a file handle of "${source.provider}" names nothing here; send the image as data or a URL, or a muxgate file id (provider "muxgate" or none)`, { field: `${at}.source.provider` });
      }
      return { fileId: source.value, ...detail };
  }
}

function detailOf(metadata: unknown, at: string): { detail?: ImageDetail } {
  const detail = typeof metadata === 'object' && metadata !== null ? (metadata as { detail?: unknown }).detail : undefined;
  if (detail === undefined || detail === null) return {};
  if (typeof detail !== 'string' || !(IMAGE_DETAILS as readonly string[]).includes(detail)) {
    throw badInput(`${at}.metadata.detail: must be one of ${IMAGE_DETAILS.join(', ')}`, { field: `${at}.metadata.detail` });
  }
  return { detail: detail as ImageDetail };
}

/** A history message; a user message's images are sent on as they are, so they must be data or URLs (not stored files). */
function historyOf(message: Message, at: number): Array<{ message: HistoryMessage; spot?: ImageSpot }> {
  const field = `messages[${at}].content`;
  switch (message.role) {
    case 'developer':
    case 'system':
      return [{ message: { role: 'system', content: message.content } }];
    case 'user': {
      const { text, images, spot } = userContentOf(message.content, field);
      if (images.length === 0) return [{ message: { role: 'user', content: text } }];
      const byFile = images.find((image) => image.input.fileId);
      if (byFile) throw badInput(`${byFile.at}.source: a file handle is taken in the new user message only; give an earlier message's images as data or a URL`, { field: `${byFile.at}.source` });
      const sent = images.map(({ input }): HistoryImage => ({ url: input.url ?? input.dataUrl!, ...(input.detail ? { detail: input.detail } : {}) }));
      return [{ message: { role: 'user', content: text, images: sent }, spot }];
    }
    case 'assistant': {
      const toolCalls = message.toolCalls?.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
      return [{ message: { role: 'assistant', content: message.content ?? null, ...(toolCalls?.length ? { toolCalls } : {}) } }];
    }
    case 'tool':
      return [{ message: { role: 'tool', content: message.error ?? textOf(message.content, field), toolCallId: message.toolCallId } }];
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
