import { sql, SqliteAdapter, SqliteDialect, type ColumnDefinitionBuilder, type DialectAdapter, type Kysely } from 'kysely';
import type { Database, Db } from './database.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * Every difference between the embedded SQLite store and PostgreSQL lives here:
 * column types, transaction start, row locks and driver error codes.
 */
export type DialectName = 'sqlite' | 'postgres';

export interface Dialect {
  readonly name: DialectName;
  /** Column type of an application-assigned, never-reused integer key. */
  readonly serialKey: 'integer' | 'bigserial';
  readonly jsonType: 'text' | 'jsonb';
  readonly boolType: 'integer' | 'boolean';
  readonly timestampType: 'text' | 'timestamptz';
  /** Column type of a column that references a serialKey. */
  readonly serialRefType: 'integer' | 'bigint';
  /** Primary-key constraint of a serialKey column: AUTOINCREMENT on SQLite, so ids are never reused. */
  serialPrimaryKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** FOR UPDATE SKIP LOCKED exists (PostgreSQL); SQLite's write lock already excludes other claimers. */
  readonly supportsSkipLocked: boolean;
  /** True when a transaction excludes every other writer (SQLite's database lock). */
  readonly serialisesWriters: boolean;
  /** Runs `work` in one transaction, retrying when the database reports a transient conflict. */
  transaction<T>(db: Db, work: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Serialises writers that touch the same logical keys (a customerId, a merge identifier).
   * Callers pass every key of the request at once; they are taken in sorted order, so two
   * requests can never wait on each other in a cycle.
   */
  lockKeys(sql: SqlRunner, keys: string[]): Promise<void>;
  /** A statement written with `?` placeholders, in the form this dialect's driver takes. */
  statementText(text: string): string;
  /** Appended to a SELECT that locks the rows it reads, for the rest of the transaction (`OF` a table). */
  lockRows(table: string): string;
  /** Cast of a parameter where the driver cannot infer its column type (INSERT … SELECT). */
  cast(type: 'json' | 'bool' | 'timestamp'): string;
  /** Appended to a SELECT that takes a row another claimer has not locked (job and delivery claims). */
  readonly skipLocked: string;
  isUniqueViolation(error: unknown): boolean;
  isConnectionError(error: unknown): boolean;
}

const MAX_ATTEMPTS = 5;

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  serialKey: 'integer',
  jsonType: 'text',
  boolType: 'integer',
  timestampType: 'text',
  serialRefType: 'integer',
  serialPrimaryKey: (column) => column.primaryKey().autoIncrement(),
  supportsSkipLocked: false,
  serialisesWriters: true,
  async transaction(db, work) {
    // One connection behind Kysely's mutex already serialises this process; BEGIN IMMEDIATE
    // takes the write lock up front so a second process (a CLI command) waits on busy_timeout
    // instead of failing a read→write upgrade half way through.
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await work(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn);
        throw error;
      }
    });
  },
  async lockKeys() {
    // The transaction above already holds the database write lock.
  },
  statementText: (text) => text,
  // The write transaction holds the database lock: every row it reads is already its own.
  lockRows: () => '',
  cast: () => '',
  skipLocked: '',
  isUniqueViolation(error) {
    const code = errorCode(error);
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
  isConnectionError(error) {
    const code = errorCode(error);
    return code === 'SQLITE_CANTOPEN' || code === 'SQLITE_BUSY';
  },
};

const pgTexts = new Map<string, string>();

/** `?` → `$1`, `$2`…, once per statement text (the texts are a small fixed set). */
function numberedPlaceholders(text: string): string {
  let numbered = pgTexts.get(text);
  if (numbered === undefined) {
    let n = 0;
    numbered = text.replace(/\?/g, () => `$${++n}`);
    pgTexts.set(text, numbered);
  }
  return numbered;
}

const PG_RETRYABLE = new Set(['40001', '40P01', '23505']);
// 57014: statement timeout — the database is too slow to answer, which callers treat like down.
const PG_CONNECTION_CODES = new Set([
  '57014',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004',
]);

export const postgresDialect: Dialect = {
  name: 'postgres',
  serialKey: 'bigserial',
  jsonType: 'jsonb',
  boolType: 'boolean',
  timestampType: 'timestamptz',
  serialRefType: 'bigint',
  serialPrimaryKey: (column) => column.primaryKey(),
  supportsSkipLocked: true,
  serialisesWriters: false,
  async transaction(db, work) {
    // Key locks make conflicting writers wait rather than fail; the retry covers what remains
    // (a referral-code collision, a deadlock the server broke) and is bounded.
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (error) {
        const code = errorCode(error);
        if (attempt >= MAX_ATTEMPTS || code === undefined || !PG_RETRYABLE.has(code)) throw error;
      }
    }
  },
  async lockKeys(runner, keys) {
    // One round trip: the keys are locked in the order given, which is sorted.
    const sorted = [...new Set(keys)].sort();
    if (sorted.length === 0) return;
    await runner.run(
      'select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(?::text[]) as k',
      [sorted],
    );
  },
  statementText: (text) => numberedPlaceholders(text),
  lockRows: (table) => ` for update of ${table}`,
  cast: (type) => ({ json: '::jsonb', bool: '::boolean', timestamp: '::timestamptz' })[type],
  skipLocked: ' for update skip locked',
  isUniqueViolation(error) {
    return errorCode(error) === '23505';
  },
  isConnectionError(error) {
    const code = errorCode(error);
    if (code !== undefined && PG_CONNECTION_CODES.has(code)) return true;
    const message = error instanceof Error ? error.message : '';
    return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
  },
};

/**
 * Kysely's SQLite adapter takes no migration lock: one process owns its one connection. Several
 * processes may share the file (nodes, a CLI beside a server), so the migration runs inside
 * BEGIN IMMEDIATE: the others wait on busy_timeout, then find the schema up to date.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`begin immediate`.execute(db);
  }
  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`commit`.execute(db);
  }
}

export class LockingSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new LockingSqliteAdapter();
  }
}
