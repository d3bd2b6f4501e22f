import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function possibleDuplicates(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // docs/duplicates.md: whether an account's writes queue profiles for scoring, and the score
      // from which a pair becomes a suggestion.
      await db.schema
        .alterTable('accounts')
        .addColumn('duplicate_detection', dialect.boolType, (c) => c.notNull().defaultTo(true))
        .execute();
      await db.schema
        .alterTable('accounts')
        .addColumn('duplicate_threshold', 'double precision', (c) => c.notNull().defaultTo(0.8))
        .execute();
      // Profiles created or changed in a field duplicates are scored on, written in the write's
      // transaction (like the webhook outbox); the scoring worker claims them with a lease.
      await db.schema
        .createTable('profile_changes')
        .addColumn('id', dialect.serialKey, (c) => dialect.serialPrimaryKey(c))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.serialRefType, (c) => c.notNull())
        .addColumn('at', dialect.timestampType, (c) => c.notNull())
        .addColumn('claimed_until', dialect.timestampType)
        .execute();
      // Blocking keys: a profile's normalised name, email and mobile parts; candidates are the
      // profiles sharing one, found by this primary key at any account size.
      await db.schema
        .createTable('duplicate_keys')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.serialRefType, (c) => c.notNull())
        .addPrimaryKeyConstraint('duplicate_keys_pk', ['account_id', 'key', 'gameball_id'])
        .execute();
      await db.schema.createIndex('duplicate_keys_profile').on('duplicate_keys').column('gameball_id').execute();
      // A pair once per account, lower gameballId first.
      await db.schema
        .createTable('duplicate_suggestions')
        .addColumn('id', dialect.serialKey, (c) => dialect.serialPrimaryKey(c))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.serialRefType, (c) => c.notNull())
        .addColumn('other_gameball_id', dialect.serialRefType, (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('features', 'text', (c) => c.notNull())
        // The matched fields' values when last scored: a dismissed pair returns only when they change.
        .addColumn('matched', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('updated_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('decided_at', dialect.timestampType)
        .addColumn('decided_by', 'text')
        .addUniqueConstraint('duplicate_suggestions_pair', ['account_id', 'gameball_id', 'other_gameball_id'])
        .execute();
      await db.schema
        .createIndex('duplicate_suggestions_other')
        .on('duplicate_suggestions')
        .column('other_gameball_id')
        .execute();
      await db.schema
        .createIndex('duplicate_suggestions_queue')
        .on('duplicate_suggestions')
        .columns(['account_id', 'status', 'id'])
        .execute();
    },
  };
}
