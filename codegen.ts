import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

/** Writes schema.graphql from the Pothos schema: the API's contract, reviewed in diffs. */
const config: CodegenConfig = {
  schema: printSchema(schema),
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: false } },
  },
  silent: true,
};

export default config;
