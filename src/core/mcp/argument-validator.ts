import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/**
 * Checks tool arguments against the tool's input schema before the call leaves the gateway, so
 * the caller learns which fields are wrong. Compiled validators are kept per schema object.
 */
export class ArgumentValidator {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  private readonly compiled = new WeakMap<object, ValidateFunction | null>();

  constructor() {
    addFormats(this.ajv);
  }

  /** The problems, each naming its field; empty when the arguments fit (or the schema cannot be compiled). */
  problems(schema: Record<string, unknown>, args: unknown): string[] {
    const validate = this.validatorFor(schema);
    if (!validate || validate(args)) return [];
    return (validate.errors ?? []).map((error) => {
      const missing = (error.params as { missingProperty?: string }).missingProperty;
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      const field = `${error.instancePath.slice(1).replaceAll('/', '.')}${missing ? `${error.instancePath ? '.' : ''}${missing}` : ''}${extra ? `${error.instancePath ? '.' : ''}${extra}` : ''}`;
      if (missing) return `${field} is required`;
      if (extra) return `${field} is not allowed`;
      return `${field || 'arguments'} ${error.message ?? 'is invalid'}`;
    });
  }

  private validatorFor(schema: Record<string, unknown>): ValidateFunction | null {
    if (this.compiled.has(schema)) return this.compiled.get(schema)!;
    let validate: ValidateFunction | null;
    try {
      // Servers declare draft-07 or 2020-12; the 2020 vocabulary checks both for what tools use.
      const { $schema: _dialect, ...rest } = schema;
      validate = this.ajv.compile(rest);
    } catch {
      // A schema ajv cannot read is left to the server to enforce.
      validate = null;
    }
    this.compiled.set(schema, validate);
    return validate;
  }
}
