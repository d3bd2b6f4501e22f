// The ceiling the batch workload is compared with: the same number of new customers written
// straight into a freshly migrated SQLite file with better-sqlite3 prepared statements, one
// transaction per batch, with the pragmas Patron's store runs with. No HTTP, no validation, no
// lookups: what inserting the rows themselves costs on this machine.
import { rmSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createAccount } from '../src/modules/accounts/accounts.service.js';
import { customerBody, EMAIL_DOMAIN, type CustomerBody } from './workloads.js';

export interface RawInsertResult {
  rows: number;
  /** Rows per transaction. */
  batchSize: number;
  elapsedSec: number;
  rowsPerSec: number;
}

/** Patron's schema and an account for the rows to belong to (profiles reference accounts). */
export async function prepareFile(file: string): Promise<string> {
  const store = connect(`sqlite:${file}`);
  try {
    await migrateToLatest(store);
    const { account } = await createAccount(store, 'raw-insert');
    return account.id;
  } finally {
    await store.close();
  }
}

/** The columns Patron writes for a new customer of an account that does not merge. */
function profileParams(accountId: string, b: CustomerBody, n: number, now: string): unknown[] {
  const { custom, ...attributes } = b.customerAttributes;
  const referralCode = `R${n.toString(36).toUpperCase().padStart(7, '0')}`;
  return [accountId, b.email, b.mobile, JSON.stringify(attributes), JSON.stringify(custom), referralCode, now, now];
}

function insertAll(db: SQLite.Database, accountId: string, bodies: CustomerBody[], batchSize: number): void {
  const profile = db.prepare(
    `insert into profiles (account_id, email, mobile, email_key, mobile_key, attributes, custom, push_devices, guest, is_active,
       referral_code, is_referred, tags, created_at, updated_at)
     values (?, ?, ?, null, null, ?, ?, '[]', 0, 1, ?, 0, '[]', ?, ?)`,
  );
  const customerId = db.prepare(
    'insert into customer_ids (account_id, customer_id, gameball_id, created_at) values (?, ?, ?, ?)',
  );
  const chunk = db.transaction((start: number) => {
    const now = new Date().toISOString();
    for (let n = start; n < Math.min(bodies.length, start + batchSize); n++) {
      const b = bodies[n]!;
      const { lastInsertRowid } = profile.run(profileParams(accountId, b, n, now));
      customerId.run(accountId, b.customerId, lastInsertRowid, now);
    }
  });
  for (let start = 0; start < bodies.length; start += batchSize) chunk(start);
}

/** Inserts `rows` new customers into a fresh file at `file` (removed afterwards). */
export async function rawInsertRate(
  file: string,
  rows: number,
  batchSize: number,
  tag: string,
): Promise<RawInsertResult> {
  try {
    const accountId = await prepareFile(file);
    const bodies = Array.from({ length: rows }, (_, n) => {
      const id = `raw-${tag}-${n}`;
      return customerBody(id, `${id}${EMAIL_DOMAIN}`, n);
    });
    const db = new SQLite(file);
    try {
      // As src/db/connect.ts: WAL, synchronous=NORMAL, foreign keys checked.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const t = performance.now();
      insertAll(db, accountId, bodies, batchSize);
      const elapsedSec = (performance.now() - t) / 1000;
      const count = (
        db.prepare('select count(*) as n from customer_ids where account_id = ?').get(accountId) as { n: number }
      ).n;
      if (count !== rows) throw new Error(`raw insert wrote ${count} rows, expected ${rows}`);
      return {
        rows,
        batchSize,
        elapsedSec: Math.round(elapsedSec * 1000) / 1000,
        rowsPerSec: Math.round(rows / elapsedSec),
      };
    } finally {
      db.close();
    }
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
}
