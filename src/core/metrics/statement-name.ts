const MAIN_VERBS = new Set(['select', 'insert', 'update', 'delete']);

/**
 * A SQL statement's name for a metric label: its verb and main table ("select agents", "insert
 * messages", "update conversations"), read at the outermost level so subqueries and CTEs do not
 * name it; `with … delete from agents` is "delete agents". Other statements are named by their
 * first word ("begin", "create"). Quoted text and parameters never reach the name.
 */
export function statementName(sql: string): string {
  // A statement opening with a parenthesis ("(select …) union …") has no outer verb to go by.
  if (!/^\s*[A-Za-z]/.test(sql)) return 'other';
  const tokens = outerTokens(sql);
  const first = tokens[0];
  if (first === undefined) return 'other';
  let verbAt = 0;
  if (first === 'with') {
    verbAt = tokens.findIndex((token, index) => index > 0 && MAIN_VERBS.has(token));
    if (verbAt < 0) return 'with';
  }
  const verb = tokens[verbAt]!;
  if (!MAIN_VERBS.has(verb)) return /^[a-z_]+$/.test(verb) ? verb : 'other';
  const tableAfter = verb === 'update' ? verbAt : tokens.indexOf(verb === 'insert' ? 'into' : 'from', verbAt + 1);
  const table = tableAfter >= 0 ? tokens[tableAfter + 1] : undefined;
  return table && /^[a-z_][a-z0-9_]*$/i.test(table) ? `${verb} ${table.toLowerCase()}` : verb;
}

/**
 * The words of a statement outside any parentheses, keywords lower-cased, identifiers unquoted
 * and stripped of a schema ("s"."t" is t); string literals and everything nested are skipped.
 */
function outerTokens(sql: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  for (let i = 0; i < sql.length; ) {
    const char = sql[i]!;
    if (char === "'") {
      i = skipQuoted(sql, i, "'");
    } else if (char === '(') {
      depth++;
      i++;
    } else if (char === ')') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (char === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (char === '"' || /[A-Za-z_]/.test(char)) {
      let word: string;
      if (char === '"') {
        const end = skipQuoted(sql, i, '"');
        word = sql.slice(i + 1, end - 1);
        i = end;
      } else {
        const start = i;
        while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
        word = sql.slice(start, i).toLowerCase();
      }
      // schema.table: the table is what names the statement.
      if (sql[i] === '.') {
        i++;
        continue;
      }
      if (depth === 0) tokens.push(word);
    } else {
      i++;
    }
  }
  return tokens;
}

/** The index just past a quoted run starting at `start`; a doubled quote stays inside it. */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/**
 * Names statements with a memory of the SQL seen (queries repeat; their text has placeholders,
 * not values) and a cap on distinct names, so the label's cardinality stays bounded whatever runs.
 */
export class StatementNames {
  private readonly bySql = new Map<string, string>();
  private readonly names = new Set<string>();

  constructor(
    private readonly maxNames = 100,
    private readonly maxRemembered = 2_000,
  ) {}

  nameOf(sql: string): string {
    const known = this.bySql.get(sql);
    if (known !== undefined) return known;
    let name = statementName(sql);
    if (!this.names.has(name)) {
      if (this.names.size >= this.maxNames) name = 'other';
      else this.names.add(name);
    }
    if (this.bySql.size < this.maxRemembered) this.bySql.set(sql, name);
    return name;
  }
}
