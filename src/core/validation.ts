import type { z } from 'zod';
import { badInput } from './errors.js';

/** Parses input with a zod schema; failures become BAD_USER_INPUT naming the field and the problem. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'input'} ${issue.message}`);
  throw badInput(`Invalid input: ${problems.join('; ')}`, { problems });
}
