// The store alone: Patron's create/update path through its service layer (no HTTP), against
// one raw driver statement doing the equivalent upsert, at the same concurrency. Runs in its
// own process (forked by bench/run.ts) while no Patron server is running.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { connect } from '../src/db/connect.js';
import { findAccountById } from '../src/modules/accounts/accounts.store.js';
import type { UpsertCustomerRequest } from '../src/modules/customers/customers.schemas.js';
import { upsertCustomer } from '../src/modules/customers/upsert.engine.js';
import { serveIpc } from './processes.js';
import { customerBody, seedCustomerId, seedEmail, type CustomerBody } from './workloads.js';

export interface StoreLoopRequest {
  databaseUrl: string;
  accountId: string;
  /** Seeded customers the update loop picks from. */
  seeded: number;
  concurrency: number;
  durationSec: number;
  /** PostgreSQL pool size for the raw loop: Patron's default, so both sides have as many connections. */
  poolSize: number;
  tag: string;
}

export interface LoopStats {
  opsPerSec: number;
  ops: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StoreLoopResult {
  service: { create: LoopStats; update: LoopStats };
  raw: { create: LoopStats; update: LoopStats };
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0
    ? 0
    : Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 1000) / 1000;

/** Runs `op` from `concurrency` async workers for `durationSec`, timing each call. */
async function loop(concurrency: number, durationSec: number, op: (n: number) => Promise<void>): Promise<LoopStats> {
  const times: number[] = [];
  let counter = 0;
  const start = performance.now();
  const end = start + durationSec * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await op(counter++);
      times.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(times).sort();
  return {
    opsPerSec: Math.round(times.length / elapsed),
    ops: times.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

const randomBelow = (n: number): number => Math.floor(Math.random() * n);

/**
 * The raw side, fair to Patron: the same rows Patron writes for a customer (a profile row with
 * every column, a referral code, and its customer_ids row) into Patron's own migrated tables with
 * every index, through prepared driver statements and no rules. A create is both rows in one
 * transaction (on PostgreSQL one statement, which is the least a create can cost); an update
 * writes the profile row found through its customerId.
 */
interface RawWriter {
  create(accountId: string, body: CustomerBody): Promise<void>;
  update(accountId: string, body: CustomerBody): Promise<void>;
  close(): Promise<void>;
}

const rawCode = () => `R${Math.random().toString(36).slice(2, 12).toUpperCase()}`;
const profileValues = (accountId: string, b: CustomerBody, now: string) => {
  const { custom, ...attributes } = b.customerAttributes;
  return [accountId, b.email, b.mobile, JSON.stringify(attributes), JSON.stringify(custom), rawCode(), now, now];
};
const updateValues = (accountId: string, b: CustomerBody, now: string) => {
  const { custom, ...attributes } = b.customerAttributes;
  return [b.email, b.mobile, JSON.stringify(attributes), JSON.stringify(custom), now, accountId, b.customerId];
};
const INSERT_PROFILE = `insert into profiles (account_id, email, mobile, email_key, mobile_key, attributes, custom, push_devices, guest, is_active, referral_code, is_referred, tags, created_at, updated_at)
  values (?, ?, ?, null, null, ?, ?, '[]', 0, 1, ?, 0, '[]', ?, ?) returning gameball_id`;
const UPDATE_PROFILE = `update profiles set email = ?, mobile = ?, attributes = ?, custom = ?, updated_at = ?
  where gameball_id = (select gameball_id from customer_ids where account_id = ? and customer_id = ?)`;

function rawSqlite(file: string): RawWriter {
  const db = new SQLite(file);
  // The settings Patron's store runs with (src/db/connect.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -32768');
  const insertProfile = db.prepare(INSERT_PROFILE);
  const insertCustomerId = db.prepare(
    'insert into customer_ids (account_id, customer_id, gameball_id, created_at) values (?, ?, ?, ?)',
  );
  const update = db.prepare(UPDATE_PROFILE);
  const create = db.transaction((accountId: string, body: CustomerBody, now: string) => {
    const { gameball_id } = insertProfile.get(profileValues(accountId, body, now)) as { gameball_id: number };
    insertCustomerId.run(accountId, body.customerId, gameball_id, now);
  });
  return {
    async create(accountId, body) {
      create(accountId, body, new Date().toISOString());
    },
    async update(accountId, body) {
      update.run(updateValues(accountId, body, new Date().toISOString()));
    },
    async close() {
      db.close();
    },
  };
}

const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

async function rawPostgres(url: string, poolSize: number): Promise<RawWriter> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Like Patron's pool: an idle client losing its server must not crash the process.
  pool.on('error', () => undefined);
  const create =
    numbered(`with p as (${INSERT_PROFILE.replace("'[]', 0, 1", "'[]', false, true").replace(", 0, '[]'", ", false, '[]'")})
    insert into customer_ids (account_id, customer_id, gameball_id, created_at) select ?, ?, gameball_id, ?::timestamptz from p`);
  const update = numbered(UPDATE_PROFILE);
  return {
    async create(accountId, body) {
      const now = new Date().toISOString();
      await pool.query({
        name: 'raw-create',
        text: create,
        values: [...profileValues(accountId, body, now), accountId, body.customerId, now],
      });
    },
    async update(accountId, body) {
      await pool.query({
        name: 'raw-update',
        text: update,
        values: updateValues(accountId, body, new Date().toISOString()),
      });
    },
    async close() {
      await pool.end();
    },
  };
}

async function handle(req: StoreLoopRequest): Promise<StoreLoopResult> {
  const newBody = (prefix: string) => (n: number) => {
    const id = `${prefix}-${req.tag}-${n}`;
    return customerBody(id, `${id}@bench.patron.io`, n);
  };

  const store = connect(req.databaseUrl, { poolSize: req.poolSize, statementTimeoutMs: 5000 });
  let service: StoreLoopResult['service'];
  try {
    const account = await findAccountById(store.db, req.accountId);
    if (!account) throw new Error(`no account ${req.accountId}`);
    const upsert = (body: CustomerBody) =>
      upsertCustomer(store, account, body as UpsertCustomerRequest).then(() => undefined);
    const create = newBody('svc');
    service = {
      create: await loop(req.concurrency, req.durationSec, (n) => upsert(create(n))),
      update: await loop(req.concurrency, req.durationSec, (n) => {
        const i = randomBelow(req.seeded);
        return upsert(customerBody(seedCustomerId(i), seedEmail(i), n));
      }),
    };
  } finally {
    await store.close();
  }

  const raw = req.databaseUrl.startsWith('sqlite:')
    ? rawSqlite(req.databaseUrl.slice('sqlite:'.length))
    : await rawPostgres(req.databaseUrl, req.poolSize);
  try {
    const create = newBody('raw');
    const created = await loop(req.concurrency, req.durationSec, (n) => raw.create(req.accountId, create(n)));
    // Updates hit seeded customers at random, like the service loop and the HTTP update.
    const update = await loop(req.concurrency, req.durationSec, (n) => {
      const i = randomBelow(req.seeded);
      return raw.update(req.accountId, customerBody(seedCustomerId(i), seedEmail(i), n));
    });
    return { service, raw: { create: created, update } };
  } finally {
    await raw.close();
  }
}

serveIpc(handle);
