import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database.js';
import { LockingSqliteDialect, postgresDialect, sqliteDialect, type Dialect } from './dialect.js';

/** The only module that knows the drivers. */
export interface Store {
  readonly db: Db;
  readonly dialect: Dialect;
  /** A human-readable location without credentials, for logs. */
  readonly location: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize?: number;
  statementTimeoutMs?: number;
}

let pgTypesSet = false;

/** Make pg return the same JS values as better-sqlite3: int8 → number, timestamptz → ISO string. */
function setPgTypeParsers(): void {
  if (pgTypesSet) return;
  pgTypesSet = true;
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (value) => new Date(value).toISOString());
}

export function connect(databaseUrl: string, options: ConnectOptions = {}): Store {
  if (databaseUrl.startsWith('sqlite:')) return connectSqlite(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return connectPostgres(databaseUrl, options);
  throw new Error(`DATABASE_URL must start with sqlite: or postgres://, got "${databaseUrl}"`);
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew, and preparing costs better-sqlite3 more than running a
 * simple statement. Our queries come from a small fixed set of shapes, so prepared statements
 * are kept by SQL text (least recently used dropped past the limit). Statements run
 * synchronously, so one can never be in use twice at once.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

function connectSqlite(path: string): Store {
  const inMemory = path === ':memory:' || path === '';
  const file = inMemory ? ':memory:' : resolve(path);
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  // WAL lets readers (a CLI command) run beside the server; synchronous=NORMAL in WAL mode keeps
  // every committed transaction across a process crash (power loss may drop the last few).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new LockingSqliteDialect({ database: withStatementCache(database) }) });
  return {
    db,
    dialect: sqliteDialect,
    location: `sqlite:${file}`,
    close: () => db.destroy(),
  };
}

function connectPostgres(url: string, options: ConnectOptions): Store {
  setPgTypeParsers();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // A client losing its server (a restart, a failover: "terminating connection due to
  // administrator command") must not crash the process. pg-pool listens for that only while a
  // client is idle; a client checked out between two statements (a transaction, a worker
  // awaiting something) emits 'error' with no listener, and Node then exits the process. The
  // query in flight, if any, still fails and is answered 503; the pool drops the dead client
  // and the next request reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  return {
    db,
    dialect: postgresDialect,
    location: `postgres://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`,
    close: () => db.destroy(),
  };
}
