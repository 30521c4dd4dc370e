import { type Span, SpanKind, trace } from '@opentelemetry/api';
import type { ChatChunk, ChatCompletion, ChatModel, ChatRequest, FinishReason, TokenUsage, ToolCall } from '../models/chat-model.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { ATTR, failSpan, messagesJson, SPAN, type Tracing } from './tracing.js';

/**
 * A model call as a `chat <model>` span (GenAI conventions), a child of whatever stage is active:
 * the run's model loop, routing, fact extraction. Work with no span active (background indexing)
 * makes no span of its own.
 */
export function tracedChatModel(tracing: Tracing, model: ChatModel, provider: string): ChatModel {
  return {
    stream(request) {
      const span = startModelSpan(tracing, request, provider);
      return span ? streamInSpan(tracing, span, model.stream(request), request) : model.stream(request);
    },
    async complete(request) {
      const span = startModelSpan(tracing, request, provider);
      if (!span) return model.complete(request);
      try {
        const completion: ChatCompletion = await model.complete(request);
        endModelSpan(tracing, span, completion.finishReason, completion.usage, completion.content, completion.toolCalls);
        return completion;
      } catch (error) {
        failSpan(span, error);
        span.end();
        throw error;
      }
    },
  };
}

/** Embedding calls made inside a traced stage (routing by embeddings, a question's vector) as `embeddings <model>` spans. */
export function tracedEmbeddingModel(tracing: Tracing, model: EmbeddingModel, provider: string, modelName: string): EmbeddingModel {
  return {
    get dimensions() {
      return model.dimensions;
    },
    async embed(texts, signal) {
      if (!trace.getActiveSpan()) return model.embed(texts, signal);
      const span = tracing.tracer.startSpan(`${SPAN.embeddings} ${modelName}`, {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR.operationName]: SPAN.embeddings, [ATTR.providerName]: provider, [ATTR.requestModel]: modelName },
      });
      try {
        return await model.embed(texts, signal);
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  };
}

function startModelSpan(tracing: Tracing, request: ChatRequest, provider: string): Span | undefined {
  if (!trace.getActiveSpan()) return undefined;
  const span = tracing.tracer.startSpan(`${SPAN.chat} ${request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: { [ATTR.operationName]: SPAN.chat, [ATTR.providerName]: provider, [ATTR.requestModel]: request.model },
  });
  if (request.temperature != null) span.setAttribute(ATTR.requestTemperature, request.temperature);
  if (request.maxTokens != null) span.setAttribute(ATTR.requestMaxTokens, request.maxTokens);
  if (tracing.captureContent) span.setAttribute(ATTR.inputMessages, messagesJson(request.messages));
  return span;
}

function endModelSpan(tracing: Tracing, span: Span, finishReason: FinishReason | undefined, usage: TokenUsage | undefined, text: string, toolCalls: ToolCall[]): void {
  // The provider answers for the model asked: the OpenAI-compatible stream carries no other name here.
  if (finishReason) span.setAttribute(ATTR.finishReasons, [finishReason]);
  if (usage) {
    span.setAttribute(ATTR.inputTokens, usage.promptTokens);
    span.setAttribute(ATTR.outputTokens, usage.completionTokens);
  }
  if (tracing.captureContent) span.setAttribute(ATTR.outputMessages, messagesJson([{ role: 'assistant', content: text, toolCalls }]));
  span.end();
}

async function* streamInSpan(tracing: Tracing, span: Span, source: AsyncIterable<ChatChunk>, request: ChatRequest): AsyncGenerator<ChatChunk> {
  let finishReason: FinishReason | undefined;
  let usage: TokenUsage | undefined;
  let text = '';
  const calls = new Map<number, ToolCall>();
  let ended = false;
  try {
    for await (const chunk of source) {
      if (chunk.type === 'finish') finishReason = chunk.reason;
      else if (chunk.type === 'usage') usage = chunk.usage;
      else if (tracing.captureContent) {
        if (chunk.type === 'text') text += chunk.text;
        else {
          const call = calls.get(chunk.index) ?? { id: '', name: '', arguments: '' };
          if (chunk.id) call.id = chunk.id;
          if (chunk.name) call.name += chunk.name;
          if (chunk.argumentsDelta) call.arguments += chunk.argumentsDelta;
          calls.set(chunk.index, call);
        }
      }
      yield chunk;
    }
  } catch (error) {
    ended = true;
    failSpan(span, error);
    span.end();
    throw error;
  } finally {
    // Ended early (the run was cancelled, or the reader stopped): what arrived is what the span says.
    if (!ended) {
      if (request.signal.aborted) failSpan(span, request.signal.reason, 'CANCELLED');
      endModelSpan(tracing, span, finishReason, usage, text, [...calls.values()]);
    }
  }
}
