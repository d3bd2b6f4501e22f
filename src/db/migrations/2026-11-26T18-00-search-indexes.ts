import { sql, type Kysely, type Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function searchIndexes(): Migration {
  return {
    async up(db: AnyDb) {
      // The console finds customers by the beginning of their email (case-insensitively) and by
      // their mobile as stored, on every account (README "Console": what these cost the writes).
      await sql`create index profiles_email_search on profiles (account_id, lower(email))`.execute(db);
      await sql`create index profiles_mobile_search on profiles (account_id, mobile)`.execute(db);
    },
  };
}
