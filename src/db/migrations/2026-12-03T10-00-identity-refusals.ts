import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function identityRefusals(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // docs/identity.md "Explanations": each 3008 refusal, recorded against the profile that holds
      // the identifier (and the one the request's customerId reached, if any); the newest 20 per
      // profile are kept, so a caller repeating a refused request cannot grow the table.
      await db.schema
        .createTable('identity_refusals')
        .addColumn('id', dialect.serialKey, (c) => dialect.serialPrimaryKey(c))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.serialRefType, (c) =>
          c.notNull().references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('other_gameball_id', dialect.serialRefType, (c) =>
          c.references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('at', dialect.timestampType, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('identity_refusals_profile')
        .on('identity_refusals')
        .columns(['gameball_id', 'id'])
        .execute();
      await db.schema
        .createIndex('identity_refusals_other')
        .on('identity_refusals')
        .columns(['other_gameball_id', 'id'])
        .execute();
    },
  };
}
