/**
 * Text as the sensitive-data filter reads it: one spelling for what looks the same to a person.
 * NFKC folds full-width and compatibility forms, invisible format characters (zero-width spaces,
 * soft hyphens, direction marks) go, and every script's decimal digits become ASCII digits.
 */
export function normaliseForMatching(text: string): string {
  return text.normalize('NFKC').replace(/\p{Cf}/gu, '').replace(/\p{Nd}/gu, asciiDigit);
}

/**
 * Letters spelled out one at a time ("p a s s w o r d", "p.a.s.s") joined back into a word;
 * runs of three or more single letters only, so ordinary words stay apart.
 */
export function joinSpelledOutLetters(text: string): string {
  return text.replace(/(?<![\p{L}\p{N}])\p{L}(?:[\s._-]\p{L}(?![\p{L}\p{N}])){2,}/gu, (run) => run.replace(/[\s._-]/g, ''));
}

const digitValues = new Map<string, string>();

/**
 * Unicode encodes every script's decimal digits as ten consecutive code points from zero up, so a
 * digit's value is its distance from the start of its run of digits, modulo ten.
 */
function asciiDigit(digit: string): string {
  const cached = digitValues.get(digit);
  if (cached) return cached;
  let codePoint = digit.codePointAt(0)!;
  let distance = 0;
  while (/\p{Nd}/u.test(String.fromCodePoint(codePoint - 1))) {
    codePoint--;
    distance++;
  }
  const value = String(distance % 10);
  digitValues.set(digit, value);
  return value;
}
