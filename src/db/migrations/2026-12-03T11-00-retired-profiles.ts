import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function retiredProfiles(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // docs/identity.md "Explicit merge": the profile an explicit merge retired, as it was when it
      // joined the survivor, and the head of its history chain. Its entries are reverse deltas from
      // that state, so the row keeps the chain readable: the merge is in both histories, and an
      // unmerge of a customerId that came with it finds what came through that customerId. No
      // foreign key: the survivor may be retired in turn; deleting the survivor erases these rows.
      await db.schema
        .createTable('retired_profiles')
        .addColumn('gameball_id', dialect.serialRefType, (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('retired_into', dialect.serialRefType, (c) => c.notNull())
        .addColumn('retired_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('history_head', dialect.serialRefType)
        .execute();
      await db.schema.createIndex('retired_profiles_into').on('retired_profiles').column('retired_into').execute();
    },
  };
}
