import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function accountWebhookFlag(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // Authentication already loads the account: with this flag, a write of an account without
      // webhook subscriptions skips reading the subscriptions table altogether.
      await db.schema
        .alterTable('accounts')
        .addColumn('has_webhooks', dialect.boolType, (c) => c.notNull().defaultTo(false))
        .execute();
      await db
        .updateTable('accounts')
        .set({ has_webhooks: '1' })
        .where('id', 'in', db.selectFrom('webhook_subscriptions').select('account_id'))
        .execute();
    },
  };
}
