import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { modelPricesSchema } from './core/usage/model-prices.js';

/**
 * MODEL_PRICES: the price table as JSON, or the path of a JSON file holding it
 * ({"gpt-4o": {"input": 2.5, "output": 10, "cached": 1.25}}, dollars per million tokens).
 */
export const modelPricesFromSetting = z.string().transform((value, context) => {
  const text = value.trim();
  // Blank (`MODEL_PRICES= ` in a .env file) is unset, as an empty value is.
  if (text === '') return {};
  // JSON when it opens as JSON's objects and arrays do (an array is then refused as not a table); a file's path otherwise.
  const inline = text.startsWith('{') || text.startsWith('[');
  let json: unknown;
  try {
    json = JSON.parse(inline ? text : readFileSync(text, 'utf8'));
  } catch (error) {
    const where = inline ? '' : ` in the file ${JSON.stringify(text)}`;
    const reason = (error as NodeJS.ErrnoException).code ? `cannot read the file ${JSON.stringify(text)} (${(error as NodeJS.ErrnoException).code})` : `is not valid JSON${where} (${(error as Error).message})`;
    context.addIssue({ code: 'custom', message: `${reason}; expected {"<model>": {"input": <$ per 1M tokens>, "output": …, "cached"?: …}} or the path of a file holding it` });
    return z.NEVER;
  }
  const prices = modelPricesSchema.safeParse(json);
  if (!prices.success) {
    const issue = prices.error.issues[0]!;
    context.addIssue({ code: 'custom', message: `${issue.path.length ? `at ${issue.path.join('.')}: ` : ''}${issue.message} (each model: {"input": n, "output": n, "cached"?: n}, dollars per million tokens)` });
    return z.NEVER;
  }
  return prices.data;
});
