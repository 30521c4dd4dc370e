import type { ChatMessage } from '../../../core/models/chat-model.js';
import { ImageOrigins } from '../../image-origins.js';
import { inputImagePart, type RequestImage } from '../image-parts.js';
import { invalidRequest, invalidType as typeError } from '../openai-error.js';
import { isObject, type Json } from '../request-values.js';
import { parseApprovalRequestId, parseClientCallId } from './response-ids.js';

/** A result or decision for a paused run, from a function_call_output or mcp_approval_response item. */
export type InputDecision =
  | { kind: 'result'; runId: string; callId: string; output: string; sentId: string; param: string }
  | { kind: 'approval'; runId: string; callId: string; approved: boolean; reason: string | null; sentId: string; param: string };

/** What `input` asks for: a new user message (with the turn's history), or decisions that resume a paused run. */
export type ParsedInput =
  | { kind: 'turn'; message: string; images: RequestImage[]; history: ChatMessage[]; system: string[]; imageOrigins: ImageOrigins }
  | { kind: 'resume'; decisions: InputDecision[] };

/** An assistant item an `item_reference` names, read from the stored response it came from. */
export type ReferenceResolver = (id: string, at: string) => ChatMessage;

/**
 * `input` as a string (the user message) or a list of items. Items after the last user message
 * that answer calls (function_call_output, mcp_approval_response) resume the run that made them;
 * otherwise the last item is the user message and the ones before it are the turn's history.
 * User messages' input_image parts are their images; files and audio are refused, naming the part.
 */
export function parseInput(value: unknown, resolve: ReferenceResolver): ParsedInput {
  if (typeof value === 'string') {
    if (value.trim() === '') throw invalidRequest("Invalid 'input': empty string.", 'input', 'empty_string');
    return { kind: 'turn', message: value, images: [], history: [], system: [], imageOrigins: new ImageOrigins() };
  }
  if (!Array.isArray(value)) throw value === undefined || value === null ? invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter') : typeError('input', 'a string or an array of input items');
  if (value.length === 0) throw invalidRequest("Invalid 'input': empty array. Expected an array with minimum length 1.", 'input', 'empty_array');
  const items = value.map((item, index) => itemOf(item, `input[${index}]`, resolve));
  let tail = items.length;
  while (tail > 0 && items[tail - 1]!.kind === 'decision') tail--;
  if (tail < items.length) return { kind: 'resume', decisions: items.slice(tail).map((item) => (item as { decision: InputDecision }).decision) };
  const last = items.at(-1)!;
  if (last.kind !== 'message' || last.message.role !== 'user') {
    throw invalidRequest(
      "The last input item must be a user message, or function_call_output / mcp_approval_response items answering the calls of a response: muxgate answers a user message (with the items before it as its history).",
      `input[${items.length - 1}]`,
    );
  }
  const history: ChatMessage[] = [];
  const system: string[] = [];
  const imageOrigins = new ImageOrigins();
  if (last.images.length) imageOrigins.setMessage(last.imageSpot);
  for (const item of items.slice(0, -1)) {
    if (item.kind === 'skip') continue;
    if (item.kind === 'decision') {
      const { decision } = item;
      // A decision already taken: the model saw its outcome as the call's result.
      if (decision.kind === 'result') history.push({ role: 'tool', toolCallId: decision.sentId, content: decision.output });
      continue;
    }
    if (item.kind === 'call') {
      const previous = history.at(-1);
      // Calls of one model step follow its text: one assistant message, as the model wrote it.
      if (previous?.role === 'assistant') previous.toolCalls = [...(previous.toolCalls ?? []), item.call];
      else history.push({ role: 'assistant', content: null, toolCalls: [item.call] });
      continue;
    }
    if (item.message.role === 'system') system.push(item.message.content ?? '');
    if (item.images.length) {
      // An earlier message's images are sent on as they are (the history is the caller's): URLs, not stored files.
      const byId = item.images.findIndex((image) => 'fileId' in image);
      if (byId >= 0) throw invalidRequest(`'${item.imageSpot.parts[byId]}': an input_image by file_id is taken in the new user message only; give an earlier message's images as image_url.`, item.imageSpot.parts[byId]!, 'unsupported_value');
      imageOrigins.setHistory(history.length, item.imageSpot);
      history.push({ role: 'user', content: item.message.content ?? '', images: item.images as Array<{ url: string }> });
      continue;
    }
    // Copied: a call item after it may add its tool calls.
    history.push({ ...item.message });
  }
  return { kind: 'turn', message: last.message.content ?? '', images: last.images, history, system, imageOrigins };
}

/** Where a message item's images are: its content, and each input_image part in order. */
type ImageSpot = { content: string; parts: string[] };

type Item =
  | { kind: 'message'; message: ChatMessage & { role: 'system' | 'user' | 'assistant' }; images: RequestImage[]; imageSpot: ImageSpot }
  | { kind: 'call'; call: { id: string; name: string; arguments: string } }
  | { kind: 'decision'; decision: InputDecision }
  | { kind: 'skip' };

function itemOf(value: unknown, at: string, resolve: ReferenceResolver): Item {
  if (!isObject(value)) throw typeError(at, 'an input item object');
  const type = value.type ?? (value.role !== undefined ? 'message' : undefined);
  switch (type) {
    case 'message':
      return { kind: 'message', ...messageOf(value, at) };
    case 'function_call': {
      const { call_id: callId, name, arguments: args } = value;
      if (typeof callId !== 'string' || typeof name !== 'string' || typeof args !== 'string') throw typeError(at, 'a function_call item with string call_id, name and arguments');
      return { kind: 'call', call: { id: callId, name, arguments: args } };
    }
    case 'function_call_output': {
      if (typeof value.call_id !== 'string') throw typeError(`${at}.call_id`, 'a string');
      const output = outputOf(value.output, at);
      const ours = parseClientCallId(value.call_id);
      // A call id this gateway did not hand out can only be history (a result the client's own model asked for).
      return { kind: 'decision', decision: { kind: 'result', runId: ours?.runId ?? '', callId: ours?.callId ?? value.call_id, output, sentId: value.call_id, param: `${at}.call_id` } };
    }
    case 'mcp_approval_response': {
      if (typeof value.approval_request_id !== 'string') throw typeError(`${at}.approval_request_id`, 'a string');
      if (typeof value.approve !== 'boolean') throw typeError(`${at}.approve`, 'a boolean');
      const ours = parseApprovalRequestId(value.approval_request_id);
      if (!ours) throw invalidRequest(`No approval request found with id '${value.approval_request_id}'.`, `${at}.approval_request_id`);
      const reason = typeof value.reason === 'string' ? value.reason : null;
      return { kind: 'decision', decision: { kind: 'approval', runId: ours.runId, callId: ours.callId, approved: value.approve, reason, sentId: value.approval_request_id, param: `${at}.approval_request_id` } };
    }
    case 'mcp_approval_request':
      // Our own output, sent back as history: the decision (or its absence) is what counts.
      return { kind: 'skip' };
    case 'item_reference': {
      if (typeof value.id !== 'string') throw typeError(`${at}.id`, 'a string');
      const message = resolve(value.id, at);
      return message.role === 'assistant' && message.toolCalls?.length
        ? { kind: 'call', call: message.toolCalls[0]! }
        : { kind: 'message', message: message as ChatMessage & { role: 'assistant' }, images: [], imageSpot: { content: at, parts: [] } };
    }
    case 'reasoning':
      // A model's reasoning summary sent back by a client: muxgate's agents never produce one; nothing to replay.
      return { kind: 'skip' };
    default:
      throw invalidRequest(
        `Invalid value for '${at}.type': '${String(type)}' is not supported: muxgate takes message, function_call, function_call_output, mcp_approval_response and item_reference items.`,
        `${at}.type`,
        'unsupported_value',
      );
  }
}

function messageOf(value: Json, at: string): Pick<Extract<Item, { kind: 'message' }>, 'message' | 'images' | 'imageSpot'> {
  const images: RequestImage[] = [];
  const imageSpot: ImageSpot = { content: `${at}.content`, parts: [] };
  switch (value.role) {
    case 'system':
    case 'developer':
      return { images, imageSpot, message: { role: 'system', content: textOf(value.content, at, ['input_text']) } };
    case 'user': {
      // input_image parts are the user's alone; they follow the text for the model.
      const content = textOf(value.content, at, ['input_text'], 'content', (part, where) => {
        images.push(inputImagePart(part, where));
        imageSpot.parts.push(where);
      });
      return { images, imageSpot, message: { role: 'user', content } };
    }
    case 'assistant':
      return { images, imageSpot, message: { role: 'assistant', content: textOf(value.content, at, ['output_text', 'refusal', 'input_text']) } };
    default:
      throw invalidRequest(`Invalid value for '${at}.role': expected one of 'user', 'system', 'developer' or 'assistant'.`, `${at}.role`);
  }
}

/**
 * A message's content: a string, or text parts joined. input_image parts go to `onImage` where it
 * is given (user messages); otherwise they, files and audio are refused, naming the part.
 */
function textOf(content: unknown, at: string, kinds: string[], field = 'content', onImage?: (part: Json, at: string) => void): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw typeError(`${at}.${field}`, 'a string or an array of content parts');
  const texts: string[] = [];
  content.forEach((part, i) => {
    const where = `${at}.${field}[${i}]`;
    if (!isObject(part) || typeof part.type !== 'string') throw typeError(where, 'a content part');
    if (part.type === 'input_image' && onImage) return onImage(part, where);
    if (!kinds.includes(part.type)) {
      const why = part.type === 'input_image' ? 'images are taken in user messages only' : 'muxgate agents take text and images';
      throw invalidRequest(`'${where}': ${part.type} parts are not supported here: ${why}.`, where, 'unsupported_value');
    }
    const text = part.type === 'refusal' ? part.refusal : part.text;
    if (typeof text !== 'string') throw typeError(`${where}.${part.type === 'refusal' ? 'refusal' : 'text'}`, 'a string');
    texts.push(text);
  });
  return texts.join('\n');
}

/** A function call's output: a string, or text parts (joined). */
function outputOf(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return textOf(value, at, ['input_text'], 'output');
  throw typeError(`${at}.output`, 'a string or an array of input_text parts');
}
