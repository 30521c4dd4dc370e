import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

/**
 * Writes schema.graphql from the Pothos schema: the API's contract, reviewed in diffs; and
 * possible-types.json, which Apollo Client's cache needs to match fragments on interfaces and unions;
 * and studio/src/gql/, the console's typed documents.
 */
const config: CodegenConfig = {
  schema: printSchema(schema),
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: false } },
    // Apollo's format ({ possibleTypes }): `new InMemoryCache({ possibleTypes })` (docs/graphql.md, Apollo Client).
    'possible-types.json': { plugins: ['fragment-matcher'], config: { apolloClientVersion: 3 } },
    // The Studio's typed documents: every graphql(`…`) in studio/src, checked against this schema.
    // As strings (documentMode), so the browser bundle carries no GraphQL parser or printer.
    'studio/src/gql/': {
      documents: ['studio/src/**/*.{ts,tsx}', '!studio/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { documentMode: 'string', useTypeImports: true, enumsAsTypes: true, skipTypename: false, scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' } },
    },
  },
  silent: true,
};

export default config;
