import { describe, expect, it } from 'vitest';
import { StatementNames, statementName } from '../src/core/metrics/statement-name.js';

describe('statement names for the database metric', () => {
  it.each([
    ['select * from "agents" where "id" = $1', 'select agents'],
    ['select "a".*, coalesce((select a.id from settings s where s.key = $1), false) as "is_default" from "agents" as "a"', 'select agents'],
    ['insert into "messages" ("id", "content") values ($1, $2) returning *', 'insert messages'],
    ['update "conversations" set "updated_at" = now() where "id" = $1', 'update conversations'],
    ['delete from "revoked_tokens" where "expires_at" < now()', 'delete revoked_tokens'],
    ['with "unset" as (delete from "settings" where "key" = $1) delete from "agents" where "id" = $2 returning *', 'delete agents'],
    ['with "c" as (insert into "conversations" values ($1) returning *) insert into "messages" select * from "c"', 'insert messages'],
    ['select * from "tenant_a"."agents"', 'select agents'],
    ["select 'from secret_table' as x from \"api_keys\"", 'select api_keys'],
    ['select 1', 'select'],
    ['create table "agents" ("id" text)', 'create'],
    ['  BEGIN', 'begin'],
    ['(select 1) union (select 2)', 'other'],
    ['', 'other'],
  ])('%s -> %s', (sql, name) => {
    expect(statementName(sql)).toBe(name);
  });

  it('caps the distinct names, so whatever runs the label stays bounded', () => {
    const names = new StatementNames(3);
    const seen = ['a', 'b', 'c', 'd', 'e'].map((table) => names.nameOf(`select * from "${table}"`));
    expect(seen).toEqual(['select a', 'select b', 'select c', 'other', 'other']);
    expect(names.nameOf('select * from "a" where x = 1')).toBe('select a');
  });
});
