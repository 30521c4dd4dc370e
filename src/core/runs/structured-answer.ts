import type { ChatMessage, ChatRequest } from '../models/chat-model.js';
import type { CompiledResponseFormat } from '../models/response-format.js';
import type { Run } from './run.js';

/** A structured answer failed its response format twice: the run fails with INVALID_OUTPUT. */
export class InvalidOutputError extends Error {
  constructor(readonly errors: string[]) {
    super(`The model's answer did not match the response format after a retry: ${truncate(errors.join('; '), 1_000)}`);
    this.name = 'InvalidOutputError';
  }
}

/**
 * The check of one run's structured answer. Text streams out as it comes; when the model ends an
 * answer (a step without tool calls), the text since the run started (or since the last
 * rejection) is checked. The first failure emits AnswerRejected and asks the model once more,
 * showing it its answer and the errors; a second failure throws InvalidOutputError.
 */
export class StructuredAnswer {
  /** Where the current attempt starts in the streamed text. */
  private start = 0;
  private retried = false;
  private verdict: { value: unknown } | undefined;

  constructor(
    private readonly format: CompiledResponseFormat,
    /** Every piece of text streamed so far, attempts included. */
    private readonly streamed: () => string,
  ) {}

  /** What each model step asks for. */
  get request(): Pick<ChatRequest, 'jsonSchema' | 'jsonObject'> {
    return this.format.request;
  }

  /** The current attempt's text: the answer, or the raw text stored when it fails. */
  get text(): string {
    return this.streamed().slice(this.start);
  }

  /** After a step that called no tool: nothing when the answer fits; else the messages of the retry step. */
  review(run: Run): ChatMessage[] | undefined {
    const text = this.text;
    const verdict = this.format.check(text);
    if (verdict.ok) {
      this.verdict = { value: verdict.value };
      return undefined;
    }
    if (this.retried) throw new InvalidOutputError(verdict.errors);
    this.retried = true;
    this.start = this.streamed().length;
    run.emit({ type: 'AnswerRejected', errors: verdict.errors });
    return [
      { role: 'assistant', content: text },
      { role: 'user', content: retryPrompt(verdict.errors) },
    ];
  }

  /** The accepted answer's value; an answer that ended without a review (max_tool_iterations) is checked now. */
  accepted(): unknown {
    if (this.verdict) return this.verdict.value;
    const verdict = this.format.check(this.text);
    if (!verdict.ok) throw new InvalidOutputError(verdict.errors);
    return verdict.value;
  }
}

const retryPrompt = (errors: string[]) =>
  `Your answer does not match the required response format:\n${errors.map((error) => `- ${error}`).join('\n')}\n` +
  'Answer again with only the JSON value, corrected, and nothing else.';

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
