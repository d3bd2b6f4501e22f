import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function profileHistory(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // Every change to a profile, written in the transaction of the change. No foreign key to
      // profiles: the entry that says a profile was deleted outlives it.
      await db.schema
        .createTable('profile_history')
        .addColumn('id', dialect.serialKey, dialect.serialPrimaryKey)
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.serialRefType, (c) => c.notNull())
        .addColumn('at', dialect.timestampType, (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        // Text, not jsonb: never queried inside, and PostgreSQL would parse every entry on the write path.
        .addColumn('changes', 'text', (c) => c.notNull())
        .addColumn('related_gameball_id', dialect.serialRefType)
        // The profile's entry before this one: a profile's entries are a chain from its history_head.
        .addColumn('prev_id', dialect.serialRefType)
        .execute();
      // The profile's newest entry; the chain needs no index on profile_history (history.store.ts).
      await db.schema.alterTable('profiles').addColumn('history_head', dialect.serialRefType).execute();
      // No index on time: entries are numbered in the order they are written, so the retention
      // purge looks at the lowest ids only (history.store.ts) and every write saves an index update.
      // Export lists the webhook events about one profile, and each event's deliveries.
      await db.schema
        .createIndex('webhook_events_profile')
        .on('webhook_events')
        .columns(['gameball_id', 'id'])
        .execute();
      await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
    },
  };
}
