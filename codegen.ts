import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

/**
 * Writes schema.graphql from the Pothos schema: the API's contract, reviewed in diffs; and
 * possible-types.json, which Apollo Client's cache needs to match fragments on interfaces and unions.
 */
const config: CodegenConfig = {
  schema: printSchema(schema),
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: false } },
    // Apollo's format ({ possibleTypes }): `new InMemoryCache({ possibleTypes })` (docs/graphql.md, Apollo Client).
    'possible-types.json': { plugins: ['fragment-matcher'], config: { apolloClientVersion: 3 } },
  },
  silent: true,
};

export default config;
