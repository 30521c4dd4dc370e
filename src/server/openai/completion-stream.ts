import type { FastifyReply } from 'fastify';
import { isDomainError } from '../../core/errors.js';
import type { RunEvent } from '../../core/runs/run-event.js';
import { queueOf } from '../../core/runs/stream-to-client.js';
import type { Message } from '../../core/conversations/conversation.js';
import { CompletionFrames } from './completion-format.js';
import { clientCallsOf, type CompletionLeg, firstLeg, legText, legUsage } from './completion-leg.js';
import { fromDomainError, fromRunFailure, internal, OpenAIError } from './openai-error.js';
import { openSocketEventStream, type SocketEventStream } from './socket-event-stream.js';

export interface StreamOptions {
  created: number;
  includeUsage: boolean;
  /** A comment line this often while nothing else is written (tool calls running), so proxies keep the stream (SSE_HEARTBEAT_MS). */
  heartbeatMs: number;
  /** The response headers naming the run and its conversation. */
  idHeaders: (conversationId: string, runId: string) => Record<string, string>;
  /** Aborts when the client's connection closes before the answer is written. */
  closed: AbortSignal;
  reportError: (error: unknown) => void;
  /** A continuation: the run it goes on with and the response's leg (a new run's come with RunStarted). */
  resumed?: { runId: string; conversationId: string; agentId: string; leg: CompletionLeg; structured: boolean } | undefined;
  /** The run's stored answer, read when it pauses: the calls it waits for (as the model wrote them) and its usage. */
  storedAnswer: (runId: string) => Promise<Message>;
}

/**
 * Writes a run's events as OpenAI's stream: `chat.completion.chunk` frames, the last choice chunk
 * with the finish reason, the usage chunk when asked, `data: [DONE]`. The response starts at the
 * run's first text (or first tool call): a run that fails before it is thrown as an OpenAIError,
 * an HTTP error with its status (which clients retry); after it, a failure is an in-band
 * `data: {"error": …}` frame and the stream ends without [DONE]. A structured answer's text is
 * held and sent whole with the last chunk: a rejected attempt (AnswerRejected) cannot be taken back
 * from a client that concatenates deltas, so only the checked answer is written. A pause for the
 * client's tools ends it with their calls (delta.tool_calls) and finish_reason `tool_calls`; a pause
 * for an approval someone else gives is waited through, as a tool running inside the gateway.
 */
export async function streamCompletion(reply: FastifyReply, events: AsyncIterableIterator<RunEvent>, options: StreamOptions): Promise<void> {
  const res = reply.raw;
  let frames: CompletionFrames | undefined;
  let { runId, conversationId, agentId } = options.resumed ?? { runId: '', conversationId: '', agentId: '' };
  let leg = options.resumed?.leg;
  /** Client tool calls this response asked for: a pause for one of them ends it. */
  const requested = new Set<string>();
  /** A structured answer (RunStarted says so): its text waits for MessageCompleted. */
  let hold = options.resumed?.structured ?? false;
  let stream: SocketEventStream | undefined;
  const write = (frame: string) => stream!.write(frame);
  const start = () => {
    stream = openSocketEventStream(reply, options.idHeaders(conversationId, runId), options.heartbeatMs, options.closed);
    frames = new CompletionFrames((leg ??= firstLeg(runId)).id, options.created, agentId, options.includeUsage);
    res.write(frames.role());
    return frames;
  };
  // Once the response has started, a token delta that comes while the loop below waits is written at once (no promise, no iteration).
  queueOf(events)?.writeDirectly((event) => {
    if (!frames || hold || options.closed.aborted || res.writableNeedDrain) return false;
    stream!.writeNow(frames.content(event.text));
    return true;
  });
  const withIds = (error: OpenAIError) => (runId ? new OpenAIError(error.status, error.message, error.type, error.code, error.param, { ...error.headers, ...options.idHeaders(conversationId, runId) }) : error);
  try {
    for (;;) {
      const next = await events.next();
      // The client went away (the queue was dropped): nothing more to write.
      if (next.done) {
        if (!frames) reply.hijack();
        return;
      }
      const event = next.value;
      switch (event.type) {
        case 'RunStarted':
          ({ runId, conversationId, agentId } = event);
          hold = event.structured === true;
          break;
        case 'TokenDelta':
          if (!hold) await write((frames ?? start()).content(event.text));
          break;
        case 'ToolCallStarted':
        case 'ToolApprovalRequested':
          // The model answered (with tool calls): the stream starts, the agent's tools run inside the gateway, unseen.
          frames ??= start();
          break;
        case 'ToolCallRequested':
          requested.add(event.callId);
          frames ??= start();
          break;
        case 'RunPaused': {
          if (!event.callIds.some((callId) => requested.has(callId))) break;
          const answer = await options.storedAnswer(runId);
          const calls = clientCallsOf(answer);
          // Already answered by a request quicker than this read (a client need not wait for the frames).
          if (calls.length === 0) break;
          const f = frames ?? start();
          for (const [index, call] of calls.entries()) {
            await write(f.toolCall(index, call));
            await write(f.toolArguments(index, call.arguments));
          }
          res.write(f.finish('tool_calls'));
          const usage = legUsage(leg!, answer.usage);
          if (options.includeUsage && usage) res.write(f.usage(usage));
          res.end(CompletionFrames.DONE);
          // The run waits for the next request: this reader leaves it (a paused run does not miss one).
          void events.return?.();
          return;
        }
        case 'MessageCompleted': {
          const f = frames ?? start();
          const text = hold ? legText(leg!, event.content) : '';
          if (text) res.write(f.content(text));
          res.write(f.finish(event.finishReason));
          const usage = legUsage(leg!, event.usage);
          if (options.includeUsage && usage) res.write(f.usage(usage));
          res.end(CompletionFrames.DONE);
          return;
        }
        case 'RunFailed':
          if (!frames) throw withIds(fromRunFailure(event.code, event.message, event.retryable));
          res.end(CompletionFrames.error(fromRunFailure(event.code, event.message, event.retryable).body));
          return;
      }
    }
  } catch (error) {
    if (!frames) throw error;
    // The queue gave up on a reader too far behind (RATE_LIMITED), or a fault of ours: in band.
    if (!isDomainError(error)) options.reportError(error);
    res.end(CompletionFrames.error((isDomainError(error) ? fromDomainError(error) : internal()).body));
  } finally {
    stream?.stop();
  }
}
