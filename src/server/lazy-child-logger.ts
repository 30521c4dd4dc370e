import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * `parent.child(bindings)`, made only when a line is written at an enabled level (or its level is
 * set): a pino child has a hidden class of its own (about 0.25 KB), and a WebSocket connection and
 * each of its operations had one for their life though most never log (issue 20).
 */
export class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;
  private marks: Map<symbol, unknown> | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
  ) {}

  get level(): LevelWithSilentOrString {
    return (this.made ?? this.parent).level;
  }

  set level(level: LevelWithSilentOrString) {
    this.logger().level = level;
  }

  /** As pino's: a child logs at its parent's level until its own is set. */
  isLevelEnabled(level: string): boolean {
    return isLevelEnabled(this.made ?? this.parent, level);
  }

  // Methods on the prototype, not arrow fields: six closures an instance would cost what the child did.
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return options ? this.logger().child(bindings, options) : new LazyChildLogger(this, bindings);
  }

  /**
   * A property a pino mixin reads from the logger writing the line (the span of http-tracing's logWithSpan):
   * kept here and carried to the child once made, since the mixin is handed the child, not this wrapper.
   */
  mark(key: symbol, value: unknown): void {
    (this.marks ??= new Map()).set(key, value);
    if (this.made) (this.made as unknown as Record<symbol, unknown>)[key] = value;
  }

  private logger(): FastifyBaseLogger {
    if (this.made) return this.made;
    // A lazy parent's child would be lazy again: make the parent's real logger first.
    const parent = this.parent instanceof LazyChildLogger ? this.parent.logger() : this.parent;
    const made = parent.child(this.bindings);
    for (const [key, value] of this.marks ?? []) (made as unknown as Record<symbol, unknown>)[key] = value;
    return (this.made = made);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.made && !isLevelEnabled(this.parent, level)) return;
    (this.logger()[level] as (...args: unknown[]) => void)(...args);
  }
}

/** pino's loggers (and LazyChildLogger) say; any other logger is asked to write and decides itself. */
function isLevelEnabled(log: FastifyBaseLogger, level: string): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return check ? check.call(log, level) : true;
}
