import { type RawBuilder, sql } from 'kysely';

/**
 * A tsquery matching any of the text's words (stemmed, stop words dropped): plainto_tsquery joins
 * them with AND, which would demand every word of a question appear in a memory.
 */
export const anyWordQuery = (text: string): RawBuilder<unknown> => sql`replace(plainto_tsquery('english', ${text})::text, ' & ', ' | ')::tsquery`;
