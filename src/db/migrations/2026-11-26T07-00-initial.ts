import { type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// Migrations see the schema as it was when they were written, not today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function initial(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('api_key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('secret_key_hash', 'text', (c) => c.notNull())
        .addColumn('merge_by', 'text', (c) => c.notNull())
        .addColumn('default_country', 'text')
        .addColumn('referral_link_base', 'text')
        .addColumn('referral_completion', 'text', (c) => c.notNull())
        .addColumn('high_security', dialect.boolType, (c) => c.notNull())
        .addColumn('hash_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('updated_at', dialect.timestampType, (c) => c.notNull())
        .execute();

      // AUTOINCREMENT (SQLite) and a sequence (PostgreSQL) never hand out an id twice,
      // not even after the row holding the highest id is deleted.
      await db.schema
        .createTable('profiles')
        .addColumn('gameball_id', dialect.serialKey, (c) =>
          dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text')
        .addColumn('mobile', 'text')
        .addColumn('email_key', 'text')
        .addColumn('mobile_key', 'text')
        .addColumn('attributes', dialect.jsonType, (c) => c.notNull())
        .addColumn('custom', dialect.jsonType, (c) => c.notNull())
        .addColumn('push_devices', dialect.jsonType, (c) => c.notNull())
        .addColumn('guest', dialect.boolType, (c) => c.notNull())
        .addColumn('is_active', dialect.boolType, (c) => c.notNull())
        .addColumn('referral_code', 'text')
        .addColumn('is_referred', dialect.boolType, (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('updated_at', dialect.timestampType, (c) => c.notNull())
        .execute();
      // Both databases let many rows hold NULL under a unique index, which is what
      // "no merge key" needs.
      await db.schema
        .createIndex('profiles_email_key')
        .unique()
        .on('profiles')
        .columns(['account_id', 'email_key'])
        .execute();
      await db.schema
        .createIndex('profiles_mobile_key')
        .unique()
        .on('profiles')
        .columns(['account_id', 'mobile_key'])
        .execute();
      await db.schema
        .createIndex('profiles_referral_code')
        .unique()
        .on('profiles')
        .columns(['account_id', 'referral_code'])
        .execute();

      await db.schema
        .createTable('customer_ids')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.name === 'sqlite' ? 'integer' : 'bigint', (c) =>
          c.notNull().references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addPrimaryKeyConstraint('customer_ids_pk', ['account_id', 'customer_id'])
        .execute();
      await db.schema.createIndex('customer_ids_profile').on('customer_ids').column('gameball_id').execute();

      await db.schema
        .createTable('referrals')
        .addColumn('id', dialect.serialKey, (c) =>
          dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('referrer_gameball_id', dialect.name === 'sqlite' ? 'integer' : 'bigint', (c) =>
          c.notNull().references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('referee_gameball_id', dialect.name === 'sqlite' ? 'integer' : 'bigint', (c) =>
          c.notNull().unique().references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('completed_at', dialect.timestampType)
        .execute();
      await db.schema
        .createIndex('referrals_referrer')
        .on('referrals')
        .columns(['referrer_gameball_id', 'referee_gameball_id'])
        .execute();
    },
  };
}
