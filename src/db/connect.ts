import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import { AppError } from '../errors.js';
import type { Database, Db } from './database.js';
import { LockingSqliteDialect, postgresDialect, sqliteDialect, type Dialect } from './dialect.js';
import type { SqlRunner, WriteTx } from './sql-runner.js';
import type { MasterKey } from '../keys/master-key.js';
import { SqliteGroups, sqliteRunner } from './sqlite-groups.js';
import { writeDuration, writeGroupSize, writeRetries } from '../metrics/metrics.js';

/** The only module that knows the drivers. */
export interface Store {
  readonly db: Db;
  readonly dialect: Dialect;
  /** A human-readable location without credentials, for logs. */
  readonly location: string;
  /** Opens what is sealed at rest (accounts' secretKeys); undefined: nothing can be sealed. */
  readonly masterKey: MasterKey | undefined;
  /** Whether changes to profiles are recorded in their history (PATRON_HISTORY_RETENTION_DAYS > 0). */
  readonly recordsHistory: boolean;
  /**
   * A write transaction that holds the key locks `lockKeys` (writers of the same keys wait for
   * each other; see Dialect.beginWithLocks). On the embedded store, writes that arrive together
   * share one transaction (group commit), each in its own savepoint; the promise settles after
   * the commit. On PostgreSQL a transaction that meets a transient conflict is run again.
   */
  write<T>(work: (tx: WriteTx) => Promise<T>, lockKeys?: readonly string[]): Promise<T>;
  /**
   * Writes a list of `count` independent items, one outcome each, the way this store does it
   * best. `whole` writes them all in one transaction; `item` writes the i-th alone and answers its
   * outcome (it throws only when the store itself fails). The embedded store writes each item
   * alone: the group commit gathers them into one transaction, each in its own savepoint, so an
   * unexpected failure stays with its item. PostgreSQL writes the whole list in one transaction
   * (a round trip per savepoint would cost more than it saves) and, if that fails for any reason
   * but a lost connection, redoes it one item per transaction.
   */
  writeItems<R>(count: number, whole: () => Promise<R[]>, item: (index: number) => Promise<R>): Promise<R[]>;
  /** Reads committed data with prepared statements, outside any open write. */
  read<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
  /** Statements sent so far (BEGIN and COMMIT included), when connected with `countStatements`. */
  statementCount(): number;
  /** PostgreSQL: this node's connections (for /metrics); the embedded store has one and says nothing. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize?: number;
  statementTimeoutMs?: number;
  /** Count every statement (tests hold the write path to its round trips with it). */
  countStatements?: boolean;
  masterKey?: MasterKey | undefined;
  /** Default true. */
  recordsHistory?: boolean;
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
  if (databaseUrl.startsWith('sqlite:')) return connectSqlite(databaseUrl.slice('sqlite:'.length), options);
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
function statementCache(database: SQLite.Database): (sql: string) => SQLite.Statement {
  const cache = new Map<string, SQLite.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = database.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}

/** Kysely's statements are counted through its query log, which costs nothing when off. */
function counter(enabled: boolean) {
  let count = 0;
  return {
    count: () => void count++,
    total: () => count,
    log: enabled ? (event: { level: string }) => void (event.level === 'query' && count++) : undefined,
  };
}

function connectSqlite(path: string, options: ConnectOptions): Store {
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
  // Checkpoints (copying the WAL into the database file, then a sync) run in a thread of their
  // own; the writer checkpoints only as a backstop, past ~80 MB of WAL.
  database.pragma('wal_autocheckpoint = 20000');
  const checkpointer = inMemory ? undefined : startCheckpointer(file);
  // Savepoints (one per grouped write) keep their undo pages in a statement journal: in memory,
  // not in a temporary file written page by page.
  database.pragma('temp_store = MEMORY');
  // Index pages of a few hundred thousand profiles stay in memory (32 MiB, SQLite's own cache).
  database.pragma('cache_size = -32768');
  const prepare = statementCache(database);
  const cached: SqliteDatabase = {
    close: () => database.close(),
    prepare: (sql) => prepare(sql) as unknown as SqliteStatement,
  };
  const statements = counter(options.countStatements ?? false);
  const db = new Kysely<Database>({
    dialect: new LockingSqliteDialect({ database: cached }),
    ...(statements.log && { log: statements.log }),
  });
  const runner = sqliteRunner(prepare, statements.count);
  const inTransaction = () => database.inTransaction;
  const writes = new SqliteGroups<WriteTx>(db, prepare, statements.count, inTransaction, {
    begin: 'begin immediate',
    savepoints: true,
    tx: (conn) => ({ sql: runner, db: conn }),
  });
  const reads = new SqliteGroups<SqlRunner>(db, prepare, statements.count, inTransaction, {
    begin: 'begin',
    savepoints: false,
    tx: () => runner,
  });
  return {
    db,
    dialect: sqliteDialect,
    location: `sqlite:${file}`,
    masterKey: options.masterKey,
    recordsHistory: options.recordsHistory ?? true,
    write: (work) => writes.run(work),
    writeItems: (count, _whole, item) => Promise.all(Array.from({ length: count }, (_, i) => item(i))),
    // Under Kysely's connection mutex like the writes, so a read never sees a write half done.
    read: (work) => reads.run(work),
    statementCount: statements.total,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

const CHECKPOINT_INTERVAL_MS = 250;

function startCheckpointer(file: string): { stop(): Promise<void> } {
  // Compiled, this module is .js beside the worker's .js; run through tsx, both are .ts.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const worker = new Worker(new URL(`./sqlite-checkpointer${extension}`, import.meta.url), {
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.unref();
  // A checkpointer that cannot run leaves the backstop: the writer checkpoints itself.
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held again so the process waits for the thread to close its connection.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
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
  const statements = counter(options.countStatements ?? false);
  const kyselyOn = (source: pg.Pool | ReturnType<typeof heldClient>) =>
    new Kysely<Database>({
      dialect: new PostgresDialect({ pool: source as pg.Pool }),
      ...(statements.log && { log: statements.log }),
    });
  const db = kyselyOn(pool);
  const parsed = new URL(url);
  return {
    db,
    dialect: postgresDialect,
    location: `postgres://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`,
    masterKey: options.masterKey,
    recordsHistory: options.recordsHistory ?? true,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    write: (work, lockKeys = []) =>
      postgresWrite(pool, work, lockKeys, statements.count, (client) => kyselyOn(heldClient(client))),
    writeItems: async (count, whole, item) => {
      try {
        return await whole();
      } catch (error) {
        if (postgresDialect.isConnectionError(error)) throw error;
        const outcomes = [];
        for (let i = 0; i < count; i++) outcomes.push(await item(i));
        return outcomes;
      }
    },
    read: (work) => work(pgRunner(pool, statements.count)),
    statementCount: statements.total,
    close: () => db.destroy(),
  };
}

/**
 * Each statement text as PostgreSQL takes it, with the name it is prepared under on every
 * connection: worked out once per text (the texts are a small fixed set).
 */
const pgStatements = new Map<string, { name: string; text: string }>();

function pgStatement(text: string): { name: string; text: string } {
  let statement = pgStatements.get(text);
  if (statement === undefined) {
    statement = { name: `patron_${pgStatements.size + 1}`, text: postgresDialect.statementText(text) };
    pgStatements.set(text, statement);
  }
  return statement;
}

const withReturning = new Map<string, string>();
/** SqlRunner.insert's text asking for the id; kept, so the statement cache meets the same string. */
function returningId(text: string): string {
  let returning = withReturning.get(text);
  if (returning === undefined) withReturning.set(text, (returning = `${text} returning id`));
  return returning;
}

/**
 * The hot path's statements on PostgreSQL: named, so each connection parses and plans a text
 * once and then only binds parameters (for the resolving read, ~0.3 instead of ~1 ms a
 * transaction on this machine).
 */
function pgRunner(queryable: pg.Pool | pg.PoolClient, count: () => void): SqlRunner {
  const execute = async <T extends pg.QueryResultRow>(text: string, params: readonly unknown[]) => {
    count();
    return queryable.query<T>({ ...pgStatement(text), values: [...params] });
  };
  return {
    all: async <T>(text: string, params: readonly unknown[]) => (await execute(text, params)).rows as T[],
    get: async <T>(text: string, params: readonly unknown[]) => (await execute(text, params)).rows[0] as T | undefined,
    run: async (text, params) => (await execute(text, params)).rowCount ?? 0,
    insert: async (text, params) => Number((await execute<{ id: number }>(returningId(text), params)).rows[0]!.id),
  };
}

/** A pool of one for Kysely: the client of a write transaction, which Kysely must not release. */
function heldClient(client: pg.PoolClient) {
  const held = new Proxy(client, {
    get(target, property) {
      if (property === 'release') return () => undefined;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { connect: async () => held, end: async () => undefined };
}

const WRITE_ATTEMPTS = 5;

/**
 * One write transaction on one pooled connection: BEGIN and the key locks in one round trip,
 * the work, COMMIT. A conflict the server reports (a unique violation a concurrent writer
 * caused, a deadlock it broke) runs the whole transaction again: the next attempt reads what
 * the other writer committed and ends as the serial order would. Past the attempts, the caller
 * is told to retry (409), never a 500. Kysely, for the colder statements of the work, is bound
 * to the same connection only when the work asks for it.
 */
async function postgresWrite<T>(
  pool: pg.Pool,
  work: (tx: WriteTx) => Promise<T>,
  lockKeys: readonly string[],
  count: () => void,
  kyselyOn: (client: pg.PoolClient) => Db,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        // Inside the try: a BEGIN whose locks timed out still leaves a transaction to roll back.
        count();
        const began = performance.now();
        await client.query(postgresDialect.beginWithLocks(lockKeys));
        let db: Db | undefined;
        const tx: WriteTx = {
          sql: pgRunner(client, count),
          get db() {
            return (db ??= kyselyOn(client));
          },
        };
        const result = await work(tx);
        count();
        await client.query('commit');
        writeGroupSize.observe({ store: 'postgres' }, 1);
        writeDuration.observe({ store: 'postgres' }, (performance.now() - began) / 1000);
        return result;
      } catch (error) {
        count();
        await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        // A connection that cannot even roll back is dropped, not handed to the next request.
        client.release(broken);
      }
    } catch (error) {
      if (!postgresDialect.isRetryable(error)) throw error;
      writeRetries.inc();
      if (attempt >= WRITE_ATTEMPTS) {
        throw new AppError(
          'writeConflict',
          'Concurrent changes to the same customer kept conflicting with this request; nothing was written. Retry it.',
        );
      }
    }
  }
}
