import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function tagsAndRetiredCodes(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // Tags live on the profile row: every read shows them, and every change to them is a
      // read-modify-write of one profile under its lock, like any other profile field.
      await db.schema
        .alterTable('profiles')
        .addColumn('tags', dialect.jsonType, (c) => c.notNull().defaultTo('[]'))
        .execute();

      // A deleted profile's referral code is never handed out again.
      await db.schema
        .createTable('retired_referral_codes')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('retired_at', dialect.timestampType, (c) => c.notNull())
        .addPrimaryKeyConstraint('retired_referral_codes_pk', ['account_id', 'code'])
        .execute();
    },
  };
}
