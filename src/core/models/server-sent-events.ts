/** One event of a text/event-stream: its `data` lines joined by newlines, and its name if it has one. */
export interface ServerSentEvent {
  event: string | undefined;
  data: string;
}

/**
 * Splits a text/event-stream into events as its bytes arrive, as the WHATWG spec reads one: lines
 * end in LF, CRLF or CR; `:` starts a comment; a blank line ends an event with data; an event left
 * unfinished when the stream ends is dropped.
 */
export class ServerSentEventDecoder {
  private readonly text = new TextDecoder();
  private pending = '';
  /** The last chunk ended in CR: an LF opening the next one belongs to that line ending. */
  private afterCR = false;
  private data: string | undefined;
  private event: string | undefined;

  /** The events this chunk completes, in order. */
  decode(chunk: Uint8Array): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    let text = this.pending + this.text.decode(chunk, { stream: true });
    if (this.afterCR && text.charCodeAt(0) === 10) text = text.slice(1);
    this.afterCR = false;
    let start = 0;
    // Searched again only once passed: most streams have no CR at all, and a line costs no rescan.
    let cr = text.indexOf('\r');
    for (;;) {
      const lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (end === -1) break;
      this.line(text.slice(start, end), events);
      start = end + 1;
      if (end === cr && text.charCodeAt(start) === 10) start++;
      else if (end === cr && start === text.length) this.afterCR = true;
    }
    this.pending = start === 0 ? text : text.slice(start);
    return events;
  }

  private line(line: string, events: ServerSentEvent[]) {
    if (line === '') {
      if (this.data !== undefined) events.push({ event: this.event, data: this.data });
      this.data = undefined;
      this.event = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return;
    const field = colon === -1 ? line : line.slice(0, colon);
    const valueStart = colon === -1 ? line.length : line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
    if (field === 'data') {
      const value = line.slice(valueStart);
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (field === 'event') {
      this.event = line.slice(valueStart);
    }
    // id and retry steer a browser's reconnection; a model stream is never resumed that way.
  }
}
