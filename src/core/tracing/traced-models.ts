import { type Span, SpanKind, trace } from '@opentelemetry/api';
import type { ChatCompletion, ChatModel, ChatRequest, FinishReason, TokenUsage, ToolCall } from '../models/chat-model.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { ATTR, failSpan, messagesJson, SPAN, type Tracing } from './tracing.js';

/**
 * A completion (routing's, extraction's) as a `chat <model>` span (GenAI conventions), a child of
 * whatever stage is active; work with no recorded span active (background) makes none. A run's
 * streamed steps are spanned by the model loop itself, which reads their chunks anyway: nothing
 * is added per token.
 */
export function tracedChatModel(tracing: Tracing, model: ChatModel, provider: string): ChatModel {
  return {
    stream: (request) => model.stream(request),
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
  const spanned = async <T>(texts: string[], call: () => Promise<T>, tokensOf: (result: T) => number | undefined): Promise<T> => {
    if (!trace.getActiveSpan()?.isRecording()) return call();
    const span = tracing.tracer.startSpan(`${SPAN.embeddings} ${modelName}`, {
      kind: SpanKind.CLIENT,
      attributes: { [ATTR.operationName]: SPAN.embeddings, [ATTR.providerName]: provider, [ATTR.requestModel]: modelName },
    });
    try {
      const result = await call();
      const tokens = tokensOf(result);
      if (tokens !== undefined) span.setAttribute(ATTR.inputTokens, tokens);
      return result;
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
  // The wrapper keeps the model's name and usage reporting: the usage ledger reads them through it.
  return {
    get dimensions() {
      return model.dimensions;
    },
    name: model.name,
    embed: (texts, signal) => spanned(texts, () => model.embed(texts, signal), () => undefined),
    ...(model.embedWithUsage
      ? { embedWithUsage: (texts: string[], signal?: AbortSignal) => spanned(texts, () => model.embedWithUsage!(texts, signal), (result) => result.inputTokens) }
      : {}),
  };
}

/** A model call's span, when a recorded span is active (an unsampled trace records nothing below it). */
export function startModelSpan(tracing: Tracing, request: Pick<ChatRequest, 'model' | 'messages' | 'temperature' | 'maxTokens'>, provider: string): Span | undefined {
  if (!trace.getActiveSpan()?.isRecording()) return undefined;
  const span = tracing.tracer.startSpan(`${SPAN.chat} ${request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: { [ATTR.operationName]: SPAN.chat, [ATTR.providerName]: provider, [ATTR.requestModel]: request.model },
  });
  if (request.temperature != null) span.setAttribute(ATTR.requestTemperature, request.temperature);
  if (request.maxTokens != null) span.setAttribute(ATTR.requestMaxTokens, request.maxTokens);
  if (tracing.captureContent) span.setAttribute(ATTR.inputMessages, messagesJson(request.messages));
  return span;
}

/** Ends a model call's span with how it finished, its usage and (OTEL_CAPTURE_CONTENT) what came back. */
export function endModelSpan(tracing: Tracing, span: Span, finishReason: FinishReason | undefined, usage: TokenUsage | undefined, text: string, toolCalls: ToolCall[]): void {
  // The provider answers for the model asked: the OpenAI-compatible stream carries no other name here.
  if (finishReason) span.setAttribute(ATTR.finishReasons, [finishReason]);
  if (usage) {
    span.setAttribute(ATTR.inputTokens, usage.promptTokens);
    span.setAttribute(ATTR.outputTokens, usage.completionTokens);
  }
  if (tracing.captureContent) span.setAttribute(ATTR.outputMessages, messagesJson([{ role: 'assistant', content: text, toolCalls }]));
  span.end();
}
