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
  /** Answers in flight: their latest text, and how much of it is stored (in code points, as SQL counts). */
  private readonly live = new Map<string, LiveAnswer>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** A write is in flight: the next waits, so each one appends to text known to be stored. */
  private busy = false;

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
    const answer: LiveAnswer = { content: '', lastSeq: 0, stored: 0, storedChars: 0 };
    this.live.set(answerId, answer);
    this.schedule();
    return {
      update: (content, lastSeq) => {
        answer.content = content;
        answer.lastSeq = lastSeq;
      },
      close: async () => {
        this.live.delete(answerId);
        await this.writing;
      },
    };
  }

  /** Writes what is pending now (shutdown), and stops the timer. */
  async flush(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
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
    if (this.live.size === 0 || this.busy) return;
    this.busy = true;
    // Only the text added since the last write is sent: the statement's size stays that of an interval's tokens.
    const written: Array<{ answer: LiveAnswer; stored: number; storedChars: number }> = [];
    const answers = [...this.live].map(([id, answer]) => {
      const added = answer.content.slice(answer.stored);
      written.push({ answer, stored: answer.stored, storedChars: answer.storedChars });
      const row = { id, offset: answer.storedChars, added: added || null, lastSeq: added ? answer.lastSeq : null };
      answer.stored = answer.content.length;
      answer.storedChars += codePoints(added);
      return row;
    });
    // Chained, so checkpoints land in order and close() can wait for the one in flight.
    this.writing = this.writing
      .then(() => this.store.checkpointAnswers(answers))
      .catch((error: unknown) => {
        // Not stored after all: the next write sends these answers' text from where it was.
        for (const { answer, stored, storedChars } of written) Object.assign(answer, { stored, storedChars });
        this.reportError(error, `checkpointing ${answers.length} streaming answers`);
      })
      .finally(() => {
        this.busy = false;
      });
  }
}

interface LiveAnswer {
  content: string;
  lastSeq: number;
  /** UTF-16 units of `content` already stored, and the same text's length in code points. */
  stored: number;
  storedChars: number;
}

/** PostgreSQL counts characters as code points; an emoji is two UTF-16 units in JavaScript. */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdbff) count++;
  }
  return count;
}

/** Missed renewals after which an answer's process is taken for dead. */
const LEASE_INTERVALS = 10;
