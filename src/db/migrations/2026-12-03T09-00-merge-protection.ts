import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function mergeProtection(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // docs/identity.md "Merge protection": an implicit merge gathers at most merge_cap customerIds
      // (0: no cap); merge_blocks is the account's own list (JSON: exact values and /regexes/); the
      // built-in list of junk values applies unless default_merge_blocks is switched off.
      await db.schema
        .alterTable('accounts')
        .addColumn('merge_cap', 'integer', (c) => c.notNull().defaultTo(10))
        .execute();
      await db.schema
        .alterTable('accounts')
        .addColumn('merge_blocks', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .alterTable('accounts')
        .addColumn('default_merge_blocks', dialect.boolType, (c) => c.notNull().defaultTo(true))
        .execute();
    },
  };
}
