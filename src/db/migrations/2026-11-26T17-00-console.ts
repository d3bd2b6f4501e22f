import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function consoleSessions(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // One-time sign-in links (`patron console link`): only the token's hash is kept.
      await db.schema
        .createTable('console_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('expires_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('used_at', dialect.timestampType)
        .execute();
      // Server-side console sessions: the cookie holds the id, the store its hash.
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        // Shown in history entries of the changes made through the session (not a secret).
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('expires_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('ended_at', dialect.timestampType)
        .execute();
    },
  };
}
