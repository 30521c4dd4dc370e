import type { ConversationStore } from '../conversations/conversation-store.js';
import type { ReportError } from '../errors.js';

/** One answer's latest text, as the checkpointer sees it. */
export interface AnswerCheckpoint {
  /** The answer so far and the seq of the last event it includes. */
  update(content: string, lastSeq: number): void;
  /** Stops checkpointing this answer; resolves once no checkpoint of it is being written. */
  close(): Promise<void>;
}

/**
 * Writes the text of every streaming answer every `intervalMs`, all runs in one statement, so a
 * crash loses at most that much of an answer and many streams cost one write per interval.
 */
export class AnswerCheckpoints {
  private readonly dirty = new Map<string, { content: string; lastSeq: number }>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ConversationStore,
    private readonly intervalMs: number,
    private readonly reportError: ReportError,
  ) {}

  track(answerId: string): AnswerCheckpoint {
    let open = true;
    return {
      update: (content, lastSeq) => {
        if (!open) return;
        this.dirty.set(answerId, { content, lastSeq });
        this.schedule();
      },
      close: async () => {
        open = false;
        this.dirty.delete(answerId);
        await this.writing;
      },
    };
  }

  /** Writes what is pending now (shutdown), and stops the timer. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.write();
    await this.writing;
  }

  private schedule() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, this.intervalMs);
    this.timer.unref();
  }

  private write() {
    if (this.dirty.size === 0) return;
    const answers = [...this.dirty].map(([id, { content, lastSeq }]) => ({ id, content, lastSeq }));
    this.dirty.clear();
    // Chained, so checkpoints land in order and close() can wait for the one in flight.
    this.writing = this.writing
      .then(() => this.store.checkpointAnswers(answers))
      .catch((error: unknown) => this.reportError(error, `checkpointing ${answers.length} streaming answers`));
  }
}
