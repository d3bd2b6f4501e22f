import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database, Db } from './database.js';
import { LockingSqliteDialect, sqliteDialect, type Dialect } from './dialect.js';
import type { SqlRunner, WriteTx } from './sql-runner.js';
import type { MasterKey } from '../keys/master-key.js';
import { SqliteGroups, sqliteRunner } from './sqlite-groups.js';
import { connectPostgres } from './postgres-store.js';
import { parseDatabaseUrl } from './database-url.js';
import { counter } from './statement-counter.js';
import { tracedStore } from './traced-store.js';

/** With postgres-store.ts, the only module that knows the drivers. */
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
   * A write of many items (a chunk of a batch or an import) in one transaction, with the key locks
   * `lockKeys`. PostgreSQL: as write. The embedded store runs it in a transaction of its own, not
   * in a savepoint of a group (a long savepoint makes every page change cost a copy); it does not
   * wait for other writes any longer than a group does.
   */
  writeChunk<T>(work: (tx: WriteTx) => Promise<T>, lockKeys?: readonly string[]): Promise<T>;
  /** Reads committed data with prepared statements, outside any open write. */
  read<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
  /** Statements sent so far (BEGIN and COMMIT included), when connected with `countStatements`. */
  statementCount(): number;
  /**
   * Round trips so far: statements sent together count once (statement-counter.ts). The embedded
   * store has no network: every statement is a call of its own, so it answers statementCount.
   */
  flightCount(): number;
  /** PostgreSQL: this node's connections (for /metrics); the embedded store has one and says nothing. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize?: number;
  statementTimeoutMs?: number;
  /** Count every statement (tests hold the write path to its round trips with it). */
  countStatements?: boolean;
  /** Keep the text of every statement sent here, with countStatements (tests check what a path sends). */
  statementTexts?: Set<string>;
  masterKey?: MasterKey | undefined;
  /** Default true. */
  recordsHistory?: boolean;
}

export function connect(databaseUrl: string, options: ConnectOptions = {}): Store {
  const target = parseDatabaseUrl(databaseUrl);
  if (target?.kind === 'sqlite') return connectSqlite(target.path, options);
  if (target?.kind === 'postgres') return connectPostgres(target.url, options);
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
  const statements = counter(options.countStatements ?? false, options.statementTexts);
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
  return tracedStore(() => writes.group, {
    db,
    dialect: sqliteDialect,
    location: `sqlite:${file}`,
    masterKey: options.masterKey,
    recordsHistory: options.recordsHistory ?? true,
    write: (work) => writes.run(work),
    writeChunk: (work) => writes.runAlone(work),
    // Under Kysely's connection mutex like the writes, so a read never sees a write half done.
    read: (work) => reads.run(work),
    statementCount: statements.total,
    flightCount: statements.total,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  });
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
