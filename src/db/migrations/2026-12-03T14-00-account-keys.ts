import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * PostgreSQL only: every key of an account's data starts with the account (docs/distribution.md), as a
 * database sharded by account requires — primary keys, unique constraints, and the foreign keys between
 * those tables. gameballIds and every id keep their values. The former key stays indexed (not unique),
 * so the paths that go by it alone (workers, the console) keep their index. SQLite keeps its rowid keys
 * (it is never sharded) and gets the one unique index a statement names.
 */
const PRIMARY_KEYS: ReadonlyArray<[table: string, name: string, columns: string]> = [
  ['profiles', 'profiles_pkey', 'gameball_id'],
  ['referrals', 'referrals_pkey', 'id'],
  ['profile_history', 'profile_history_pkey', 'id'],
  ['profile_splits', 'profile_splits_pk', 'gameball_id, sibling_gameball_id'],
  ['identity_refusals', 'identity_refusals_pkey', 'id'],
  ['retired_profiles', 'retired_profiles_pkey', 'gameball_id'],
  ['profile_changes', 'profile_changes_pkey', 'id'],
  ['duplicate_suggestions', 'duplicate_suggestions_pkey', 'id'],
  ['webhook_subscriptions', 'webhook_subscriptions_pkey', 'id'],
  ['webhook_events', 'webhook_events_pkey', 'id'],
  ['webhook_deliveries', 'webhook_deliveries_pkey', 'id'],
  ['webhook_attempts', 'webhook_attempts_pkey', 'id'],
  ['batch_jobs', 'batch_jobs_pkey', 'id'],
  ['batch_items', 'batch_items_pk', 'job_id, idx'],
];

const UNIQUES: ReadonlyArray<[table: string, name: string, columns: string]> = [
  ['referrals', 'referrals_referee_gameball_id_key', 'referee_gameball_id'],
  ['webhook_events', 'webhook_events_event_id_key', 'event_id'],
];

/** [table, name, columns, referenced table, referenced columns] — each with the account added in front. */
const FOREIGN_KEYS: ReadonlyArray<[string, string, string, string, string]> = [
  ['customer_ids', 'customer_ids_gameball_id_fkey', 'gameball_id', 'profiles', 'gameball_id'],
  ['identity_refusals', 'identity_refusals_gameball_id_fkey', 'gameball_id', 'profiles', 'gameball_id'],
  ['identity_refusals', 'identity_refusals_other_gameball_id_fkey', 'other_gameball_id', 'profiles', 'gameball_id'],
  ['profile_splits', 'profile_splits_gameball_id_fkey', 'gameball_id', 'profiles', 'gameball_id'],
  ['profile_splits', 'profile_splits_sibling_gameball_id_fkey', 'sibling_gameball_id', 'profiles', 'gameball_id'],
  ['referrals', 'referrals_referee_gameball_id_fkey', 'referee_gameball_id', 'profiles', 'gameball_id'],
  ['referrals', 'referrals_referrer_gameball_id_fkey', 'referrer_gameball_id', 'profiles', 'gameball_id'],
  ['batch_items', 'batch_items_job_id_fkey', 'job_id', 'batch_jobs', 'id'],
  ['webhook_attempts', 'webhook_attempts_delivery_id_fkey', 'delivery_id', 'webhook_deliveries', 'id'],
  ['webhook_deliveries', 'webhook_deliveries_event_id_fkey', 'event_id', 'webhook_events', 'id'],
  ['webhook_deliveries', 'webhook_deliveries_subscription_id_fkey', 'subscription_id', 'webhook_subscriptions', 'id'],
];

export function accountKeys(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect.name !== 'postgres') {
        // A batch's outcomes are recorded with ON CONFLICT on the key with the account, which needs
        // a unique index on exactly those columns on SQLite too.
        await sql
          .raw('create unique index batch_items_account_key on batch_items (account_id, job_id, idx)')
          .execute(db);
        return;
      }
      const run = (text: string) => sql.raw(text).execute(db);
      // The foreign keys depend on the keys they reference: off first, back on last.
      for (const [table, name] of FOREIGN_KEYS) await run(`alter table ${table} drop constraint ${name}`);
      for (const [table, name, columns] of PRIMARY_KEYS) {
        await run(
          `alter table ${table} drop constraint ${name}, add constraint ${name} primary key (account_id, ${columns})`,
        );
        await run(`create index ${table}_former_key on ${table} (${columns})`);
      }
      for (const [table, name, columns] of UNIQUES)
        await run(
          `alter table ${table} drop constraint ${name}, add constraint ${name} unique (account_id, ${columns})`,
        );
      for (const [table, name, columns, target, targetColumns] of FOREIGN_KEYS)
        await run(
          `alter table ${table} add constraint ${name} foreign key (account_id, ${columns}) ` +
            `references ${target} (account_id, ${targetColumns}) on delete cascade`,
        );
    },
  };
}
