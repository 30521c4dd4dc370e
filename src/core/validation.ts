import type { z } from 'zod';
import { badInput } from './errors.js';

/** Parses input with a zod schema; failures become BAD_USER_INPUT naming the field and the problem. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'input'} ${issue.message}`);
  throw badInput(`Invalid input: ${problems.join('; ')}`, { problems });
}

/**
 * How a number written as text must look (settings, query strings, headers): decimal digits, an
 * optional fraction. Number() alone would read 0x10 as 16, 1e3 as 1000 and "Infinity" as a number.
 */
export const DECIMAL_NOTATION = {
  integer: /^-?\d+$/,
  number: /^-?(\d+(\.\d+)?|\.\d+)$/,
  unsignedNumber: /^(\d+(\.\d+)?|\.\d+)$/,
} as const;
