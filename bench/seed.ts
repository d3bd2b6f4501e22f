// Bulk seeding straight into the migrated schema (profiles + customer_ids), bypassing Patron:
// a million profiles through the API would take longer than the benchmark itself. Rows look
// like what Patron writes for the bench body, so table and index sizes are realistic.
// Explicit gameball_ids continue after the current maximum; SQLite's AUTOINCREMENT and the
// PostgreSQL sequence are moved past them, so Patron's own inserts never collide.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { attributesFor, customFor, EMAIL_DOMAIN, MERGE_SEED, SEED, type SeedNaming } from './workloads.js';

export interface SeedSet {
  accountId: string;
  /** Profiles 0..count-1 exist after seeding. */
  count: number;
  naming: SeedNaming;
  /** Whether the account merges by email, so the profile carries an email merge key. */
  mergeByEmail: boolean;
  /** Keeps seeded referral codes apart between the sets of one account. */
  codePrefix: string;
}

export interface Counts {
  profiles: number;
  customerIds: number;
}

export interface Seeder {
  /**
   * Adds profiles until `set.count` exist (numbering continues from `from`). `exclusive`: no
   * Patron has the store open, so SQLite may drop its journal for the bulk load.
   */
  seed(set: SeedSet, from: number, exclusive: boolean): Promise<void>;
  counts(accountId: string): Promise<Counts>;
  close(): Promise<void>;
}

export const defaultSet = (accountId: string, count: number): SeedSet => ({
  accountId,
  count,
  naming: SEED,
  mergeByEmail: false,
  codePrefix: 'S',
});
export const mergeSet = (accountId: string, count: number): SeedSet => ({
  accountId,
  count,
  naming: MERGE_SEED,
  mergeByEmail: true,
  codePrefix: 'M',
});

const referralCode = (prefix: string, i: number): string => prefix + i.toString(16).toUpperCase().padStart(7, '0');
const mobile = (i: number): string => `+2010${(i % 100_000_000).toString().padStart(8, '0')}`;

const SQLITE_BATCH = 500;

export function sqliteSeeder(file: string): Seeder {
  const db = new SQLite(file);
  db.pragma('busy_timeout = 5000');
  const insertProfiles = (rows: number) =>
    db.prepare(
      `insert into profiles (gameball_id, account_id, email, mobile, email_key, mobile_key, attributes, custom, push_devices,
         guest, is_active, referral_code, is_referred, created_at, updated_at)
       values ${Array(rows).fill("(?,?,?,?,?,null,?,?,'[]',0,1,?,0,?,?)").join(',')}`,
    );
  const insertIds = (rows: number) =>
    db.prepare(
      `insert into customer_ids (account_id, customer_id, gameball_id, created_at) values ${Array(rows).fill('(?,?,?,?)').join(',')}`,
    );
  const fullProfiles = insertProfiles(SQLITE_BATCH);
  const fullIds = insertIds(SQLITE_BATCH);

  return {
    async seed(set, from, exclusive) {
      if (set.count <= from) return;
      const now = new Date().toISOString();
      // One transaction; with Patron stopped, a rollback journal instead of WAL, so a million
      // rows are not written twice (WAL, then checkpoint).
      if (exclusive) db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = OFF');
      const base = (db.prepare('select coalesce(max(gameball_id), 0) as m from profiles').get() as { m: number }).m + 1;
      db.transaction(() => {
        for (let start = from; start < set.count; start += SQLITE_BATCH) {
          const end = Math.min(set.count, start + SQLITE_BATCH);
          const p: unknown[] = [];
          const c: unknown[] = [];
          for (let i = start; i < end; i++) {
            const id = base + (i - from);
            const email = `${set.naming.emailPrefix}${i}${EMAIL_DOMAIN}`;
            p.push(
              id,
              set.accountId,
              email,
              mobile(i),
              set.mergeByEmail ? email : null,
              JSON.stringify(attributesFor(i)),
              JSON.stringify(customFor(i)),
              referralCode(set.codePrefix, i),
              now,
              now,
            );
            c.push(set.accountId, `${set.naming.idPrefix}${i}`, id, now);
          }
          const n = end - start;
          (n === SQLITE_BATCH ? fullProfiles : insertProfiles(n)).run(p);
          (n === SQLITE_BATCH ? fullIds : insertIds(n)).run(c);
        }
      })();
      db.pragma('synchronous = NORMAL');
      if (exclusive)
        db.pragma('journal_mode = WAL'); // what Patron runs with
      else db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async counts(accountId) {
      const one = (sql: string) => (db.prepare(sql).get(accountId) as { n: number }).n;
      return {
        profiles: one('select count(*) as n from profiles where account_id = ?'),
        customerIds: one('select count(*) as n from customer_ids where account_id = ?'),
      };
    },
    async close() {
      db.close();
    },
  };
}

const PG_BATCH = 200_000;

export function pgSeeder(url: string): Seeder {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  return {
    async seed(set, from) {
      await connected;
      if (set.count <= from) return;
      const now = new Date().toISOString();
      // Templates from the same functions as the HTTP body; totalOrders/tier vary by row as in SQLite.
      const attrs = JSON.stringify(attributesFor(0));
      const custom = JSON.stringify(customFor(0));
      for (let start = from; start < set.count; start += PG_BATCH) {
        const end = Math.min(set.count, start + PG_BATCH);
        await client.query('begin');
        const { rows } = await client.query<{ m: string }>('select coalesce(max(gameball_id), 0) as m from profiles');
        const base = Number(rows[0]?.m ?? 0) + 1 - start;
        await client.query(
          `insert into profiles (gameball_id, account_id, email, mobile, email_key, mobile_key, attributes, custom, push_devices,
             guest, is_active, referral_code, is_referred, created_at, updated_at)
           select $1::bigint + g, $2::text, $3::text || g || $4::text, '+2010' || lpad((g % 100000000)::text, 8, '0'),
             case when $5::boolean then $3::text || g || $4::text end, null,
             $6::jsonb || jsonb_build_object('totalOrders', g % 97),
             $7::jsonb || jsonb_build_object('tier', (array['bronze','silver','gold','platinum'])[g % 4 + 1]),
             '[]'::jsonb, false, true, $8::text || lpad(upper(to_hex(g)), 7, '0'), false, $9::timestamptz, $9::timestamptz
           from generate_series($10::bigint, $11::bigint) g`,
          [
            base,
            set.accountId,
            set.naming.emailPrefix,
            EMAIL_DOMAIN,
            set.mergeByEmail,
            attrs,
            custom,
            set.codePrefix,
            now,
            start,
            end - 1,
          ],
        );
        await client.query(
          `insert into customer_ids (account_id, customer_id, gameball_id, created_at)
           select $2::text, $3::text || g, $1::bigint + g, $4::timestamptz from generate_series($5::bigint, $6::bigint) g`,
          [base, set.accountId, set.naming.idPrefix, now, start, end - 1],
        );
        await client.query(
          `select setval(pg_get_serial_sequence('profiles', 'gameball_id'), (select max(gameball_id) from profiles))`,
        );
        await client.query('commit');
      }
      // Fresh statistics and visibility map, so autovacuum does not start in the middle of a run.
      await client.query('vacuum analyze profiles, customer_ids');
      // Flush the bulk load now: a checkpoint writing a million dirty rows in the middle of the
      // next measured run would show up as Patron's tail latency.
      await client.query('checkpoint');
    },
    async counts(accountId) {
      await connected;
      const one = async (table: string) =>
        Number(
          (await client.query<{ n: string }>(`select count(*) as n from ${table} where account_id = $1`, [accountId]))
            .rows[0]?.n ?? 0,
        );
      return { profiles: await one('profiles'), customerIds: await one('customer_ids') };
    },
    async close() {
      await connected.catch(() => undefined);
      await client.end();
    },
  };
}
