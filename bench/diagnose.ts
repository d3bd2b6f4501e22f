// Why Patron is slower than its baselines, in numbers that do not depend on machine noise:
// the SQL statements each HTTP operation sends (through buildApp + inject, with a counting
// Kysely logger), and an A/B of the upsert service loop on SQLite with and without a
// prepared-statement cache (Kysely's SQLite driver calls db.prepare() for every query).
// Usage: npx tsx bench/diagnose.ts [--postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import type { Store } from '../src/db/connect.js';
import type { Database } from '../src/db/database.js';
import { LockingSqliteDialect, postgresDialect, sqliteDialect } from '../src/db/dialect.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createAccount } from '../src/modules/accounts/accounts.service.js';
import { findAccountById } from '../src/modules/accounts/accounts.store.js';
import type { UpsertCustomerRequest } from '../src/modules/customers/customers.schemas.js';
import { upsertCustomer } from '../src/modules/customers/customers.service.js';
import { startTestPostgres } from '../test/helpers/postgres-server.js';
import { customerBody, CUSTOMERS_PATH } from './workloads.js';

interface Counter {
  statements: string[];
}

/** better-sqlite3 with prepare() memoised by SQL text: the fix this tool measures. */
function cachingDatabase(db: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          let stmt = cache.get(sql);
          if (!stmt) cache.set(sql, (stmt = target.prepare(sql)));
          return stmt;
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function sqliteStore(file: string, counter: Counter | undefined, cache: boolean): Store {
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new LockingSqliteDialect({ database: cache ? cachingDatabase(raw) : raw }),
    log: (event) => void counter?.statements.push(event.query.sql),
  });
  return { db, dialect: sqliteDialect, location: file, close: () => db.destroy() };
}

function postgresStore(url: string, counter: Counter): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void counter.statements.push(event.query.sql) });
  return { db, dialect: postgresDialect, location: url, close: () => db.destroy() };
}

/** Statements per operation, through the real HTTP app (auth hook, routes, services). */
async function countStatements(store: Store, counter: Counter): Promise<void> {
  await migrateToLatest(store);
  const plain = await createAccount(store.db, 'plain');
  const merging = await createAccount(store.db, 'merging', { mergeBy: 'email' });
  const app = await buildApp({ store, logLevel: 'silent' });
  const post = (apiKey: string, body: object) =>
    app.inject({ method: 'POST', url: CUSTOMERS_PATH, headers: { apikey: apiKey, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const ops: [string, () => Promise<{ statusCode: number }>][] = [
    ['create', () => post(plain.keys.apiKey, customerBody('c-1', 'c-1@bench.example', 1))],
    ['update', () => post(plain.keys.apiKey, customerBody('c-1', 'c-1@bench.example', 2))],
    ['seed merge target', () => post(merging.keys.apiKey, customerBody('m-1', 'm-1@bench.example', 1))],
    ['merge', () => post(merging.keys.apiKey, customerBody('m-2', 'm-1@bench.example', 3))],
    ['read', () => app.inject({ method: 'GET', url: `${CUSTOMERS_PATH}/c-1`, headers: { apikey: plain.keys.apiKey } })],
  ];
  for (const [name, op] of ops) {
    counter.statements = [];
    const res = await op();
    if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode}`);
    if (name === 'seed merge target') continue;
    console.log(`${store.dialect.name} ${name}: ${counter.statements.length} statements`);
    for (const s of counter.statements) console.log(`    ${s.replace(/\s+/g, ' ').slice(0, 140)}`);
  }
  await app.close();
}

/** Service-layer creates per second with 50 concurrent callers, for `seconds`. */
async function createLoop(store: Store, accountId: string, seconds: number, tag: string): Promise<number> {
  const account = await findAccountById(store.db, accountId);
  if (!account) throw new Error('no account');
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (performance.now() < end) {
      const i = n++;
      await upsertCustomer(store, account, customerBody(`${tag}-${i}`, `${tag}-${i}@bench.example`, i) as UpsertCustomerRequest);
    }
  }));
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patron-diagnose-'));
  try {
    const file = path.join(dir, 'd.sqlite');
    const counter: Counter = { statements: [] };
    const counted = sqliteStore(file, counter, false);
    await countStatements(counted, counter);
    const accountId = (await counted.db.selectFrom('accounts').select('id').where('name', '=', 'plain').executeTakeFirstOrThrow()).id;
    await counted.close();

    // A/B, alternating, so drift on a noisy machine hits both sides.
    const results: Record<'uncached' | 'cached', number[]> = { uncached: [], cached: [] };
    for (let round = 0; round < 3; round++) {
      for (const cache of [false, true]) {
        const store = sqliteStore(file, undefined, cache);
        results[cache ? 'cached' : 'uncached'].push(await createLoop(store, accountId, 3, `ab${round}${cache ? 'c' : 'u'}`));
        await store.close();
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(`sqlite service create/s, 50 callers, 3 rounds of 3 s: without statement cache ${results.uncached.join('/')} (median ${median(results.uncached)}), with ${results.cached.join('/')} (median ${median(results.cached)})`);

    if (process.argv.includes('--postgres')) {
      const server = await startTestPostgres({ own: true });
      try {
        const pgCounter: Counter = { statements: [] };
        const store = postgresStore(await server.createDatabase('diagnose'), pgCounter);
        await countStatements(store, pgCounter);
        await store.close();
      } finally {
        await server.destroy();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
