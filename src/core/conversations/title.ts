// Made at the first long title: any Intl object's first use maps ~5 MB of ICU's locale data, which an idle gateway need not hold.
let graphemes: Intl.Segmenter | undefined;

/** The first line, at most 80 characters as a reader counts them: an emoji or accented letter is never split. */
export function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  if (line.length <= 80) return line;
  let title = '';
  let count = 0;
  for (const { segment } of (graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(line)) {
    if (++count > 79) return `${title}…`;
    title += segment;
  }
  return line;
}
