import { describe, expect, it } from 'vitest';
import { text } from '../src/core/input-limits.js';
import { titleFrom } from '../src/core/conversations/title.js';

describe('text(max)', () => {
  it("names the limit as toLocaleString('en') writes it, once a value is too long", () => {
    const result = text(16_384).safeParse('x'.repeat(16_385));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['must be at most 16,384 characters']);
    expect(text(16_384).safeParse('x'.repeat(16_384)).success).toBe(true);
  });
});

describe('titleFrom', () => {
  it('keeps a short first line whole', () => {
    expect(titleFrom('  Hello there\nsecond line')).toBe('Hello there');
  });

  it('cuts a long line after 79 characters as a reader counts them, never inside an emoji or accented letter', () => {
    const family = '👨‍👩‍👧';
    const accented = 'e\u0301';
    const title = titleFrom(`${family}${accented}${'a'.repeat(100)}`);
    expect(title).toBe(`${family}${accented}${'a'.repeat(77)}…`);
  });
});
