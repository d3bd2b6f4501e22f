import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../../src/db/connect.js';
import { openTestStore } from '../../helpers/store.js';

/**
 * Ready to shard by account (docs/distribution.md), read from PostgreSQL's catalog after every
 * migration: each table of an account's data has a NOT NULL account_id, which leads its primary key
 * and is in every unique constraint and unique index, and every foreign key between those tables
 * carries it on both sides. The other tables are small and global: reference tables on Citus.
 */
const REFERENCE_TABLES = new Set([
  'accounts',
  'patron_nodes',
  'console_links',
  'console_sessions',
  'kysely_migration',
  'kysely_migration_lock',
]);

interface Constraint {
  table: string;
  name: string;
  type: 'p' | 'u' | 'f';
  columns: string[];
  target: string | null;
  target_columns: string[];
}

describe('the schema is ready to shard by account (postgres catalog)', () => {
  let store: Store;
  let tables: string[];
  let constraints: Constraint[];

  before(async () => {
    store = await openTestStore();
    tables = (
      await sql<{ table: string }>`
        select relname as table from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace order by 1`.execute(
        store.db,
      )
    ).rows.map((r) => r.table);
    constraints = (
      await sql<Constraint>`
        select c.relname as table, con.conname as name, con.contype as type,
          array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o) as columns,
          t.relname as target,
          array(select a.attname::text from unnest(con.confkey) with ordinality k(n, o)
                join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.o) as target_columns
        from pg_constraint con join pg_class c on c.oid = con.conrelid left join pg_class t on t.oid = con.confrelid
        where c.relnamespace = 'public'::regnamespace and con.contype in ('p', 'u', 'f')`.execute(store.db)
    ).rows;
  });
  after(() => store.close());

  const distributed = () => tables.filter((t) => !REFERENCE_TABLES.has(t));

  test('every table of an account’s data has a NOT NULL account_id', async () => {
    const rows = (
      await sql<{ table: string }>`
        select table_name as table from information_schema.columns
        where table_schema = 'public' and column_name = 'account_id' and is_nullable = 'NO'`.execute(store.db)
    ).rows.map((r) => r.table);
    assert.ok(distributed().length >= 18, distributed().join(', '));
    assert.deepEqual(
      distributed().filter((t) => !rows.includes(t)),
      [],
    );
  });

  test('account_id leads every primary key, and is in every unique constraint and unique index', async () => {
    const keys = constraints.filter((c) => c.type !== 'f' && !REFERENCE_TABLES.has(c.table));
    assert.deepEqual(
      distributed().filter((t) => !keys.some((k) => k.table === t && k.type === 'p')),
      [],
      'every table has a primary key',
    );
    assert.deepEqual(
      keys.filter((k) => (k.type === 'p' ? k.columns[0] !== 'account_id' : !k.columns.includes('account_id'))),
      [],
    );
    const uniqueIndexes = (
      await sql<{ table: string; name: string; columns: string[] }>`
        select c.relname as table, i.relname as name,
          array(select a.attname::text from unnest(x.indkey) k(n) join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n) as columns
        from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
        where c.relnamespace = 'public'::regnamespace and x.indisunique`.execute(store.db)
    ).rows;
    assert.deepEqual(
      uniqueIndexes.filter((i) => !REFERENCE_TABLES.has(i.table) && !i.columns.includes('account_id')),
      [],
    );
  });

  test('every foreign key between them carries account_id on both sides, at the same place', () => {
    const between = constraints.filter(
      (c) => c.type === 'f' && !REFERENCE_TABLES.has(c.table) && !REFERENCE_TABLES.has(c.target!),
    );
    assert.ok(between.length >= 11, `${between.length} foreign keys between account tables`);
    assert.deepEqual(
      between.filter((f) => f.columns[0] !== 'account_id' || f.target_columns[0] !== 'account_id'),
      [],
    );
  });
});
