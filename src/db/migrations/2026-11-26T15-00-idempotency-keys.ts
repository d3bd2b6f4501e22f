import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function idempotencyKeys(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // One row per Idempotency-Key an account sent in the last 24 hours (README "Retries and
      // idempotency"): the request it was first used for, then the answer it got.
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        // SHA-256 of method, path and body: what a repeat must match.
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        // While the first request runs (no status yet): until when its node holds the key.
        .addColumn('lease_until', dialect.timestampType, (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_type', 'text')
        .addColumn('response_body', 'text')
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
        .execute();
      // The purge takes the oldest rows.
      await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
    },
  };
}
