import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Every table of an account's data names the account in each row (docs/distribution.md): the three
 * that named it only through another row get the column, filled from that row. Statements then
 * filter every table by the account, which a database sharded by account routes to one shard.
 */
const FILLED_FROM: ReadonlyArray<{ table: string; from: string; join: string }> = [
  { table: 'profile_splits', from: 'profiles', join: 'profiles.gameball_id = profile_splits.gameball_id' },
  { table: 'batch_items', from: 'batch_jobs', join: 'batch_jobs.id = batch_items.job_id' },
  {
    table: 'webhook_attempts',
    from: 'webhook_deliveries',
    join: 'webhook_deliveries.id = webhook_attempts.delivery_id',
  },
];

export function accountColumns(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      for (const { table, from, join } of FILLED_FROM) {
        // SQLite adds a NOT NULL column only with a default; every row is filled right after.
        await db.schema
          .alterTable(table)
          .addColumn('account_id', 'text', (c) => (dialect.name === 'sqlite' ? c.notNull().defaultTo('') : c))
          .execute();
        await sql
          .raw(`update ${table} set account_id = (select ${from}.account_id from ${from} where ${join})`)
          .execute(db);
        if (dialect.name === 'postgres')
          await sql.raw(`alter table ${table} alter column account_id set not null`).execute(db);
      }
    },
  };
}
