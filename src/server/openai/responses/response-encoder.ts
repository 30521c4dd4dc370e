import type { TokenUsage } from '../../../core/models/chat-model.js';
import type { RunEvent } from '../../../core/runs/run-event.js';
import { fromRunFailure, type OpenAIError } from '../openai-error.js';
import type { ResponseEcho } from './response-request.js';
import { approvalRequestId, clientCallId, functionCallItemId, messageItemId, type ResponseRef, responseId } from './response-ids.js';

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

export interface ResponseMeta {
  /** Unset for a new run's first response: its RunStarted names the run. */
  ref: ResponseRef | undefined;
  /** Seconds since the epoch. */
  createdAt: number;
  /** The agent that answers (RunStarted names the routed one). */
  model: string;
  echo: ResponseEcho;
  /** A structured answer (a response format): its text is held and sent whole once checked. */
  structured?: boolean;
}

interface OutputText {
  type: 'output_text';
  text: string;
  annotations: never[];
  logprobs: never[];
}

interface MessageItem {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: OutputText[];
}

interface FunctionCallItem {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed';
  arguments: string;
  call_id: string;
  name: string;
}

interface ApprovalRequestItem {
  id: string;
  type: 'mcp_approval_request';
  server_label: string;
  name: string;
  arguments: string;
}

export type OutputItem = MessageItem | FunctionCallItem | ApprovalRequestItem;

/** Room between two run events' sequence numbers: the most frames one event makes (a held structured answer) is 7. */
const FRAMES_PER_EVENT = 16;

/**
 * The Responses API's encoder: folds one response's run events into OpenAI's response object and
 * turns each into its semantic SSE frames. Streaming writes the frames; the JSON answer, GET and
 * the stored replay read the object: one fold for all of them.
 *
 * `sequence_number` comes from the run event's seq (seq × 16 + the frame's place), not a counter:
 * a reader that fell behind gets merged token deltas, and a resume (`starting_after`) replays the
 * run log frame by frame; numbered by the log, both agree on what was already seen.
 */
export class ResponseEncoder {
  status: ResponseStatus = 'in_progress';
  readonly output: OutputItem[] = [];
  usage: TokenUsage | null = null;
  error: { code: string; message: string } | null = null;
  /** How a failed or cancelled response is answered as an HTTP error (without streaming). */
  failure: OpenAIError | undefined;
  incompleteReason: string | null = null;
  /** A lifecycle event ended the response (completed, incomplete, failed). */
  ended = false;
  private created = false;
  private message: { item: MessageItem; index: number } | undefined;
  private hold: boolean;
  private held = '';
  private seq = 0;
  private place = 0;
  private readonly meta: ResponseMeta;

  constructor(meta: ResponseMeta) {
    this.meta = { ...meta };
    this.hold = meta.structured === true;
  }

  get ref(): ResponseRef {
    if (!this.meta.ref) throw new Error('The response has no run yet');
    return this.meta.ref;
  }

  /** The run, once known. */
  get runId(): string | undefined {
    return this.meta.ref?.runId;
  }

  get id(): string {
    return responseId(this.ref);
  }

  /** A structured answer's text waits for its check: no token is written as it comes. */
  get holdsText(): boolean {
    return this.hold;
  }

  /** The frames one run event makes; none for what the protocol does not show (routing, the gateway's own tool calls). */
  push(event: RunEvent): string[] {
    this.seq = event.seq;
    this.place = 0;
    const frames: string[] = [];
    this.meta.ref ??= { runId: event.runId, pauses: 0, afterSeq: 0 };
    if (event.type === 'RunStarted') {
      this.meta.model = event.agentId;
      this.hold = event.structured === true;
    }
    if (!this.created) {
      this.created = true;
      frames.push(this.lifecycle('response.created'), this.lifecycle('response.in_progress'));
    }
    switch (event.type) {
      case 'TokenDelta':
        if (this.hold) this.held += event.text;
        else frames.push(...this.text(event.text));
        break;
      case 'AnswerRejected':
        // The rejected attempt never reached the client (held): the next one replaces it.
        this.held = '';
        break;
      case 'ToolCallRequested':
        frames.push(...this.closeMessage('completed'), ...this.functionCall(event.callId, event.tool, event.arguments));
        break;
      case 'ToolApprovalRequested':
        frames.push(...this.closeMessage('completed'), ...this.approvalRequest(event.callId, event.serverId, event.tool, event.arguments));
        break;
      case 'RunPaused':
        // A structured answer's text that came with calls is not the answer.
        this.held = '';
        frames.push(...this.closeMessage('completed'));
        this.status = 'completed';
        frames.push(this.lifecycle('response.completed'));
        break;
      case 'MessageCompleted': {
        if (this.hold && event.content) frames.push(...this.text(event.content));
        // A response always says something: an empty answer is an empty message.
        if (this.output.length === 0 && !this.message) frames.push(...this.openMessage());
        frames.push(...this.closeMessage('completed'));
        this.usage = event.usage;
        const incomplete = incompleteReasonOf(event.finishReason);
        this.status = incomplete ? 'incomplete' : 'completed';
        this.incompleteReason = incomplete;
        frames.push(this.lifecycle(incomplete ? 'response.incomplete' : 'response.completed'));
        break;
      }
      case 'RunFailed': {
        frames.push(...this.closeMessage('incomplete'));
        const failure = fromRunFailure(event.code, event.message, event.retryable);
        this.failure = failure;
        this.status = event.code === 'CANCELLED' ? 'cancelled' : 'failed';
        this.error = { code: failure.code ?? 'server_error', message: failure.message };
        frames.push(this.lifecycle('response.failed'));
        break;
      }
    }
    return frames;
  }

  /** The usage of a paused run, read from its stored answer (RunPaused carries none). */
  setUsage(usage: TokenUsage | null): void {
    this.usage = usage;
  }

  /** OpenAI's response object as it stands. */
  snapshot() {
    const { echo } = this.meta;
    return {
      id: this.id,
      object: 'response' as const,
      created_at: this.meta.createdAt,
      status: this.status,
      background: false,
      error: this.error,
      incomplete_details: this.incompleteReason ? { reason: this.incompleteReason } : null,
      instructions: echo.instructions,
      max_output_tokens: echo.max_output_tokens,
      max_tool_calls: null,
      model: this.meta.model,
      output: this.output.map((item) => structuredClone(item)),
      parallel_tool_calls: echo.parallel_tool_calls,
      previous_response_id: echo.previous_response_id,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: echo.store,
      temperature: echo.temperature,
      text: echo.text,
      tool_choice: echo.tool_choice,
      tools: echo.tools,
      top_logprobs: 0,
      top_p: echo.top_p,
      truncation: echo.truncation,
      usage: this.usage ? usageOf(this.usage) : null,
      user: echo.user,
      metadata: echo.metadata,
    };
  }

  /** An `error` event: the stream stopped for a reason outside the response (the reader fell behind, a fault). */
  errorFrame(body: { error: { message: string; type: string; param: string | null; code: string | null } }): string {
    return this.frame('error', { code: body.error.code, message: body.error.message, param: body.error.param });
  }

  private lifecycle(type: string): string {
    if (type !== 'response.created' && type !== 'response.in_progress') this.ended = true;
    return this.frame(type, { response: this.snapshot() });
  }

  private text(delta: string): string[] {
    const frames = this.message ? [] : this.openMessage();
    const { item, index } = this.message!;
    item.content[0]!.text += delta;
    // The per-token frame: two fixed pieces around the escaped text.
    frames.push(
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${this.nextNumber()},"item_id":"${item.id}","output_index":${index},"content_index":0,"delta":${JSON.stringify(delta)},"logprobs":[]}\n\n`,
    );
    return frames;
  }

  private openMessage(): string[] {
    const item: MessageItem = { id: messageItemId(this.ref), type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    const index = this.output.push(item) - 1;
    this.message = { item, index };
    const added = this.frame('response.output_item.added', { output_index: index, item: structuredClone(item) });
    item.content.push(emptyText());
    return [added, this.frame('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: emptyText() })];
  }

  private closeMessage(status: 'completed' | 'incomplete'): string[] {
    if (!this.message) return [];
    const { item, index } = this.message;
    this.message = undefined;
    item.status = status;
    const part = item.content[0]!;
    return [
      this.frame('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] }),
      this.frame('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part: structuredClone(part) }),
      this.frame('response.output_item.done', { output_index: index, item: structuredClone(item) }),
    ];
  }

  private functionCall(callId: string, name: string, args: unknown): string[] {
    const runId = this.ref.runId;
    const text = typeof args === 'string' ? args : JSON.stringify(args ?? {});
    const item: FunctionCallItem = { id: functionCallItemId(runId, callId), type: 'function_call', status: 'in_progress', arguments: '', call_id: clientCallId(runId, callId), name };
    const index = this.output.push(item) - 1;
    const frames = [this.frame('response.output_item.added', { output_index: index, item: structuredClone(item) })];
    item.arguments = text;
    item.status = 'completed';
    frames.push(
      this.frame('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: text }),
      this.frame('response.function_call_arguments.done', { item_id: item.id, output_index: index, name, arguments: text }),
      this.frame('response.output_item.done', { output_index: index, item: structuredClone(item) }),
    );
    return frames;
  }

  private approvalRequest(callId: string, serverId: string | null, name: string, args: unknown): string[] {
    const item: ApprovalRequestItem = {
      id: approvalRequestId(this.ref.runId, callId),
      type: 'mcp_approval_request',
      server_label: serverId ?? 'muxgate',
      name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    };
    const index = this.output.push(item) - 1;
    return [this.frame('response.output_item.added', { output_index: index, item: structuredClone(item) }), this.frame('response.output_item.done', { output_index: index, item: structuredClone(item) })];
  }

  private frame(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.nextNumber(), ...fields })}\n\n`;
  }

  private nextNumber(): number {
    return this.seq * FRAMES_PER_EVENT + this.place++;
  }
}

const emptyText = (): OutputText => ({ type: 'output_text', text: '', annotations: [], logprobs: [] });

/** OpenAI's usage: muxgate's token counts, with no cached or reasoning tokens of its own to report. */
export function usageOf(usage: TokenUsage) {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.totalTokens,
  };
}

/** Why an answer that ended is incomplete in OpenAI's words; null when it is complete. */
function incompleteReasonOf(finishReason: string | null): string | null {
  if (finishReason === 'length' || finishReason === 'max_tool_iterations' || finishReason === 'budget_exceeded') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return null;
}
