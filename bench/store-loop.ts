// The store alone: Patron's create/update path through its service layer (no HTTP), against
// one raw driver statement doing the equivalent upsert, at the same concurrency. Runs in its
// own process (forked by bench/run.ts) while no Patron server is running.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { connect } from '../src/db/connect.js';
import { findAccountById } from '../src/modules/accounts/accounts.store.js';
import type { UpsertCustomerRequest } from '../src/modules/customers/customers.schemas.js';
import { upsertCustomer } from '../src/modules/customers/customers.service.js';
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
  sorted.length === 0 ? 0 : Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 1000) / 1000;

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
  return { opsPerSec: Math.round(times.length / elapsed), ops: times.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

const randomBelow = (n: number): number => Math.floor(Math.random() * n);

/** The raw side: one upsert statement, the same columns a profile row carries. */
interface RawUpsert {
  run(accountId: string, body: CustomerBody): Promise<void>;
  close(): Promise<void>;
}

const RAW_TABLE = 'bench_raw_profiles';
const rawParams = (accountId: string, b: CustomerBody, now: string) => {
  const { custom, ...attributes } = b.customerAttributes;
  return [accountId, b.customerId, b.email, b.mobile, JSON.stringify(attributes), JSON.stringify(custom), now, now];
};
const UPSERT_TAIL = `on conflict (account_id, customer_id) do update set email = excluded.email, mobile = excluded.mobile,
  attributes = excluded.attributes, custom = excluded.custom, updated_at = excluded.updated_at`;

function rawSqlite(file: string): RawUpsert {
  const db = new SQLite(file);
  // The same settings Patron's store runs with (src/db/connect.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`create table if not exists ${RAW_TABLE} (account_id text not null, customer_id text not null, email text, mobile text,
    attributes text not null, custom text not null, created_at text not null, updated_at text not null, primary key (account_id, customer_id))`);
  const stmt = db.prepare(`insert into ${RAW_TABLE} values (?,?,?,?,?,?,?,?) ${UPSERT_TAIL}`);
  return {
    async run(accountId, body) {
      stmt.run(rawParams(accountId, body, new Date().toISOString()));
    },
    async close() {
      db.exec(`drop table ${RAW_TABLE}`);
      db.close();
    },
  };
}

async function rawPostgres(url: string, poolSize: number): Promise<RawUpsert> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Like Patron's pool: an idle client losing its server must not crash the process.
  pool.on('error', () => undefined);
  await pool.query(`create table if not exists ${RAW_TABLE} (account_id text not null, customer_id text not null, email text, mobile text,
    attributes jsonb not null, custom jsonb not null, created_at timestamptz not null, updated_at timestamptz not null, primary key (account_id, customer_id))`);
  const text = `insert into ${RAW_TABLE} values ($1,$2,$3,$4,$5,$6,$7,$8) ${UPSERT_TAIL}`;
  return {
    async run(accountId, body) {
      await pool.query(text, rawParams(accountId, body, new Date().toISOString()));
    },
    async close() {
      await pool.query(`drop table ${RAW_TABLE}`);
      await pool.end();
    },
  };
}

async function handle(req: StoreLoopRequest): Promise<StoreLoopResult> {
  const newBody = (prefix: string) => (n: number) => {
    const id = `${prefix}-${req.tag}-${n}`;
    return customerBody(id, `${id}@bench.example`, n);
  };

  const store = connect(req.databaseUrl, { poolSize: req.poolSize, statementTimeoutMs: 5000 });
  let service: StoreLoopResult['service'];
  try {
    const account = await findAccountById(store.db, req.accountId);
    if (!account) throw new Error(`no account ${req.accountId}`);
    const upsert = (body: CustomerBody) => upsertCustomer(store, account, body as UpsertCustomerRequest).then(() => undefined);
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

  const raw = req.databaseUrl.startsWith('sqlite:') ? rawSqlite(req.databaseUrl.slice('sqlite:'.length)) : await rawPostgres(req.databaseUrl, req.poolSize);
  try {
    const create = newBody('raw');
    const created = await loop(req.concurrency, req.durationSec, (n) => raw.run(req.accountId, create(n)));
    // Updates hit rows the create loop just wrote, picked at random like the HTTP update.
    const update = await loop(req.concurrency, req.durationSec, (n) => {
      const id = `raw-${req.tag}-${randomBelow(created.ops)}`;
      return raw.run(req.accountId, customerBody(id, `${id}@bench.example`, n));
    });
    return { service, raw: { create: created, update } };
  } finally {
    await raw.close();
  }
}

serveIpc(handle);
