import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function sessionTokens(): Migration {
  return {
    async up(db: AnyDb) {
      // The secretKey sealed under the master key (session tokens are verified with it); null for
      // accounts whose secret predates the master key, until their keys are rotated.
      await db.schema.alterTable('accounts').addColumn('secret_key_sealed', 'text').execute();
      await db.schema
        .alterTable('accounts')
        .addColumn('minimum_api_version', 'text', (c) => c.notNull().defaultTo('4.0'))
        .execute();
      // How deliveries are signed: Patron's HMAC-SHA256, or Gameball's v4 scheme for receivers written for it.
      await db.schema
        .alterTable('webhook_subscriptions')
        .addColumn('signature', 'text', (c) => c.notNull().defaultTo('hmac-sha256'))
        .execute();
    },
  };
}
