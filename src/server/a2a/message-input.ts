import type { Message, Part } from '@a2a-js/sdk';
import { ContentTypeNotSupportedError } from '@a2a-js/sdk/errors';
import type { ImageInput } from '../../core/images/image-input.js';
import { isUuidShaped } from '../../core/named-ids.js';
import type { ClientToolInput } from '../../core/runs/client-tools.js';
import type { Decision } from '../../core/runs/paused-step.js';
import { invalidParams } from './a2a-errors.js';

/** The image types a file part may carry (the model takes these). */
export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** What one A2A message asks of muxgate: a new turn of a conversation, or answers to the task waiting for input. */
export type MessageRequest =
  | { kind: 'turn'; text: string; images: ImageInput[]; conversationId: string | undefined; clientTools: ClientToolInput[] | undefined }
  | { kind: 'answers'; taskId: string; decisions: Decision[] };

/**
 * Reads a message. Without a taskId it is a new turn: its text parts (joined) and image file parts;
 * its contextId, when given, is the conversation (a UUID this gateway handed out, or a new one the
 * client chose). With a taskId it answers the task's waiting calls: each data part is one answer,
 * `{ callId, output }` or `{ callId, error }` for a client tool, `{ callId, approved, reason? }` for an
 * approval. `metadata.clientTools` (message or request) declares tools the client runs.
 */
export function messageRequestOf(message: Message | undefined, requestMetadata: Record<string, unknown> | undefined): MessageRequest {
  if (!message) throw invalidParams('message: required');
  if (message.contextId && !isUuidShaped(message.contextId)) throw invalidParams(`message.contextId: "${message.contextId}" is not a context of this agent (a UUID); leave it out to start one`);
  const data = message.parts.flatMap((part, index) => (part.content?.$case === 'data' ? [{ value: part.content.value as unknown, index }] : []));
  if (message.taskId) {
    if (data.length === 0) throw invalidParams('message.parts: a message to a task waiting for input carries one data part per answer: { callId, output } / { callId, error } for a client tool, { callId, approved, reason? } for an approval');
    return { kind: 'answers', taskId: message.taskId, decisions: data.map(({ value, index }) => decisionOf(value, `message.parts[${index}].data`)) };
  }
  if (data.length > 0) throw invalidParams('message.parts: data parts answer a task waiting for input; set message.taskId to that task');
  const texts: string[] = [];
  const images: ImageInput[] = [];
  message.parts.forEach((part, index) => {
    const content = part.content;
    if (content?.$case === 'text') texts.push(content.value);
    else if (content?.$case === 'url' || content?.$case === 'raw') images.push(imageOf(part, content, `message.parts[${index}]`));
  });
  const clientTools = clientToolsOf(message.metadata?.clientTools ?? requestMetadata?.clientTools);
  return { kind: 'turn', text: texts.join('\n'), images, conversationId: message.contextId ? message.contextId.toLowerCase() : undefined, clientTools };
}

/** A file part as an image: a URL as it is, bytes as a data: URL; other media types are not taken. */
function imageOf(part: Part, content: { $case: 'url'; value: string } | { $case: 'raw'; value: Buffer }, at: string): ImageInput {
  const mediaType = part.mediaType.toLowerCase();
  if (content.$case === 'raw') {
    if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) throw new ContentTypeNotSupportedError(`${at}: media type "${part.mediaType}" is not supported; send text, or images (${IMAGE_MEDIA_TYPES.join(', ')})`);
    return { dataUrl: `data:${mediaType};base64,${Buffer.from(content.value).toString('base64')}` };
  }
  if (mediaType && !mediaType.startsWith('image/')) throw new ContentTypeNotSupportedError(`${at}: media type "${part.mediaType}" is not supported; send text, or images`);
  return { url: content.value };
}

function decisionOf(value: unknown, at: string): Decision {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParams(`${at}: must be an object { callId, … }`);
  const answer = value as Record<string, unknown>;
  if (typeof answer.callId !== 'string' || answer.callId === '') throw invalidParams(`${at}.callId: must name the call (a string)`);
  if ('approved' in answer) {
    if (typeof answer.approved !== 'boolean') throw invalidParams(`${at}.approved: must be true or false`);
    if (answer.reason !== undefined && answer.reason !== null && typeof answer.reason !== 'string') throw invalidParams(`${at}.reason: must be a string`);
    return { kind: 'APPROVAL', callId: answer.callId, approved: answer.approved, reason: (answer.reason as string | null | undefined) ?? null };
  }
  if (answer.error !== undefined && answer.error !== null) {
    if (typeof answer.error !== 'string') throw invalidParams(`${at}.error: must be a string`);
    return { kind: 'CLIENT_TOOL', callId: answer.callId, error: answer.error };
  }
  if (!('output' in answer)) throw invalidParams(`${at}: give "output" (a client tool's result), "error", or "approved"`);
  return { kind: 'CLIENT_TOOL', callId: answer.callId, output: answer.output };
}

/** Checked by the chat input's own schema (names, parameters); here only its shape as a list. */
function clientToolsOf(value: unknown): ClientToolInput[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParams('metadata.clientTools: must be a list of { name, description?, parameters? }');
  return value as ClientToolInput[];
}
