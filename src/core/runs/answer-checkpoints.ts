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
 * Every `intervalMs`, one statement for all streaming answers: the text of those that changed, and
 * a renewed lease (checkpointed_at) for every one. So a crash loses at most an interval of text,
 * many streams cost one write per interval, and replicas sharing a database can tell a live
 * answer from one whose process died (no renewal for LEASE_INTERVALS intervals).
 */
export class AnswerCheckpoints {
  /** Answers in flight, with their text when it changed since the last write. */
  private readonly live = new Map<string, { content: string; lastSeq: number } | null>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ConversationStore,
    private readonly intervalMs: number,
    private readonly reportError: ReportError,
  ) {}

  /** How long an answer may go without a renewal before another replica may declare it interrupted. */
  get leaseMs(): number {
    return LEASE_INTERVALS * this.intervalMs;
  }

  track(answerId: string): AnswerCheckpoint {
    let open = true;
    this.live.set(answerId, null);
    this.schedule();
    return {
      update: (content, lastSeq) => {
        if (open) this.live.set(answerId, { content, lastSeq });
      },
      close: async () => {
        open = false;
        this.live.delete(answerId);
        await this.writing;
      },
    };
  }

  /** Writes what is pending now (shutdown), and stops the timer. */
  async flush(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.write();
    await this.writing;
  }

  private schedule() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.live.size > 0) this.write();
      else {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }, this.intervalMs);
    this.timer.unref();
  }

  private write() {
    if (this.live.size === 0) return;
    const answers = [...this.live].map(([id, text]) => ({ id, content: text?.content ?? null, lastSeq: text?.lastSeq ?? null }));
    for (const id of this.live.keys()) this.live.set(id, null);
    // Chained, so checkpoints land in order and close() can wait for the one in flight.
    this.writing = this.writing
      .then(() => this.store.checkpointAnswers(answers))
      .catch((error: unknown) => this.reportError(error, `checkpointing ${answers.length} streaming answers`));
  }
}

/** Missed renewals after which an answer's process is taken for dead. */
const LEASE_INTERVALS = 10;
