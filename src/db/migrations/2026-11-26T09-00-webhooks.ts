import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function webhooks(dialect: Dialect): Migration {
  const ref = dialect.serialRefType;
  const serial = dialect.serialPrimaryKey;
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('webhook_subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('topics', dialect.jsonType, (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_subscriptions_account')
        .on('webhook_subscriptions')
        .column('account_id')
        .execute();

      // The outbox: written in the transaction of the change it reports. The payload is kept as
      // the exact text that is sent and signed.
      await db.schema
        .createTable('webhook_events')
        .addColumn('id', dialect.serialKey, serial)
        .addColumn('event_id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('gameball_id', ref)
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', dialect.serialKey, serial)
        .addColumn('event_id', ref, (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
        .addColumn('subscription_id', 'text', (c) =>
          c.notNull().references('webhook_subscriptions.id').onDelete('cascade'),
        )
        .addColumn('account_id', 'text', (c) => c.notNull())
        // Deliveries with one ordering key (one profile) go out one at a time, in id order.
        .addColumn('ordering_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('claimed_until', dialect.timestampType)
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('delivered_at', dialect.timestampType)
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_order')
        .on('webhook_deliveries')
        .columns(['subscription_id', 'ordering_key', 'id'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_account')
        .on('webhook_deliveries')
        .columns(['account_id', 'id'])
        .execute();

      await db.schema
        .createTable('webhook_attempts')
        .addColumn('id', dialect.serialKey, serial)
        .addColumn('delivery_id', ref, (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('started_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').column('delivery_id').execute();
    },
  };
}
