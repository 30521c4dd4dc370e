import { DomainError } from '../core/errors.js';

/** Where one message's images sit in a protocol request: the content's name and each image part's. */
export interface ImageSpot {
  /** The content holding them (`messages[2].content`): a refusal of their number names it. */
  content: string;
  /** Each image's part, in the order the chat input lists them (`messages[2].content[1]`). */
  parts: string[];
}

/**
 * Where a protocol adapter found the images of a chat input, so the core's refusals (which name
 * `images.1.url` or `history.3.images.0.url`) can name the request's own part instead.
 */
export class ImageOrigins {
  private message: ImageSpot | undefined;
  private readonly history = new Map<number, ImageSpot>();

  /** The new message's images. */
  setMessage(spot: ImageSpot): void {
    this.message = spot;
  }

  /** The images of history message `index` (ChatInput.history's index). */
  setHistory(index: number, spot: ImageSpot): void {
    this.history.set(index, spot);
  }

  get isEmpty(): boolean {
    return !this.message && this.history.size === 0;
  }

  /** A core field name (`images`, `images.0.dataUrl`, `history.2.images.1.url`) in the request's terms, or undefined for another field. */
  nameOf(field: string): string | undefined {
    const match = FIELD.exec(field);
    if (!match) return undefined;
    const spot = match[1] === undefined ? this.message : this.history.get(Number(match[1]));
    if (!spot) return undefined;
    return match[2] === undefined ? spot.content : spot.parts[Number(match[2])];
  }

  /** Text with every image field renamed (`Invalid input: images.0.url is …` → `Invalid input: messages[1].content[0] is …`). */
  rename(text: string): string {
    return text.replace(FIELDS, (field) => this.nameOf(field) ?? field);
  }

  /** The request's name for the first image field a refusal's problems name, if any. */
  fieldOf(error: DomainError): string | undefined {
    const problems = Array.isArray(error.details?.problems) ? (error.details.problems as unknown[]) : [];
    for (const problem of problems) {
      const name = typeof problem === 'string' ? this.nameOf(problem.split(' ')[0] ?? '') : undefined;
      if (name) return name;
    }
    return undefined;
  }

  /** A core refusal in the request's terms: message and problems renamed, `field` naming the part. */
  renamed(error: DomainError): DomainError {
    if (this.isEmpty || error.code !== 'BAD_USER_INPUT') return error;
    const field = this.fieldOf(error);
    if (!field) return error;
    const problems = Array.isArray(error.details?.problems) ? (error.details.problems as unknown[]).map((p) => (typeof p === 'string' ? this.rename(p) : p)) : undefined;
    return new DomainError(error.code, this.rename(error.message), { ...error.details, ...(problems ? { problems } : {}), field });
  }
}

/** A core image field, whole: the part's own field (url, dataUrl, file, fileId, detail) reads as the part. */
const FIELD = /^(?:history\.(\d+)\.)?images(?:\.(\d+)(?:\.(?:url|dataUrl|file|fileId|detail|filename))?)?$/;
/** The same where a problem starts (a message's later "at most 3 images" is not a field). */
const FIELDS = /(?<=^|: |; )(?:history\.\d+\.)?images(?:\.\d+(?:\.(?:url|dataUrl|file|fileId|detail|filename))?)?\b/g;
