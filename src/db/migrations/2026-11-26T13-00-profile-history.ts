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
        .addColumn('changes', dialect.jsonType, (c) => c.notNull())
        .addColumn('related_gameball_id', dialect.serialRefType)
        .execute();
      // One profile's entries, newest first, without reading anyone else's.
      await db.schema.createIndex('profile_history_profile').on('profile_history').columns(['gameball_id', 'id']).execute();
      // The retention purge finds old entries by time.
      await db.schema.createIndex('profile_history_at').on('profile_history').column('at').execute();
      // Export lists the webhook events about one profile, and each event's deliveries.
      await db.schema.createIndex('webhook_events_profile').on('webhook_events').columns(['gameball_id', 'id']).execute();
      await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
    },
  };
}
