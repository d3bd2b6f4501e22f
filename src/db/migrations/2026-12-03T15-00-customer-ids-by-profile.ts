import { sql, type Kysely, type Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * A profile's customerIds are read by account and profile on every write (the merge cap's count,
 * the events' lists). With the index on the profile alone, PostgreSQL without fresh statistics
 * ANDed it with the primary key's account prefix — a scan of the whole account's customerIds per
 * read. One index on exactly what the statements ask for leaves no such choice.
 */
export function customerIdsByProfile(): Migration {
  return {
    async up(db: AnyDb) {
      await sql`drop index customer_ids_profile`.execute(db);
      await db.schema
        .createIndex('customer_ids_profile')
        .on('customer_ids')
        .columns(['account_id', 'gameball_id'])
        .execute();
    },
  };
}
