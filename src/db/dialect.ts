import {
  sql,
  SqliteAdapter,
  SqliteDialect,
  type ColumnDefinitionBuilder,
  type DialectAdapter,
  type Kysely,
} from 'kysely';
import { createHash } from 'node:crypto';
import type { SqlRunner } from './sql-runner.js';

/**
 * Every difference between the embedded SQLite store and PostgreSQL lives here:
 * column types, transaction start, row locks and driver error codes.
 */
export type DialectName = 'sqlite' | 'postgres';

/** What a column of a multi-row insert holds (PostgreSQL needs it to type the arrays it unnests). */
export type RowColumnKind = 'id' | 'text' | 'json' | 'bool' | 'timestamp';
export interface RowColumn {
  name: string;
  kind: RowColumnKind;
}

/** A multi-row INSERT's text and how its rows become parameters (Dialect.rowsInsert). */
export interface RowsInsert {
  text: string;
  params(rows: readonly unknown[][]): unknown[];
}

/** Rows a multi-row INSERT takes at most on SQLite (its parameters stay far under its limit). */
export const ROWS_PER_INSERT = 500;

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
  /**
   * A claim query (jobs, deliveries): on PostgreSQL rows another claimer holds are skipped
   * (FOR UPDATE SKIP LOCKED), so nodes claiming at once take different rows instead of waiting;
   * SQLite's write lock already excludes other claimers.
   */
  claimable<QB extends { forUpdate(): QB; skipLocked(): QB }>(query: QB): QB;
  /** A Kysely read that locks its rows for the rest of the transaction (lockRows for Kysely queries). */
  locked<QB extends { forUpdate(): QB }>(query: QB): QB;
  /**
   * The statement that opens a write transaction holding the given key locks (a customerId, a
   * merge identifier), so writers of the same keys wait for each other. Keys are taken in sorted
   * order, so two transactions never wait on each other in a cycle. On PostgreSQL the locks are
   * advisory locks on ids computed here, written into the text: BEGIN and the locks go in one
   * round trip (a statement with parameters could not share it).
   */
  beginWithLocks(keys: readonly string[]): string;
  /** PostgreSQL: a statement may write several tables (data-modifying WITH), saving round trips. */
  readonly writesInWith: boolean;
  /** Errors after which the whole write transaction is run again (a serialisation failure, a deadlock the server broke, a unique violation a concurrent writer caused). */
  isRetryable(error: unknown): boolean;
  /** A statement written with `?` placeholders, in the form this dialect's driver takes. */
  statementText(text: string): string;
  /** Appended to a SELECT that locks the rows it reads, for the rest of the transaction (`OF` a table). */
  lockRows(table: string): string;
  /** `column` is one of a list given as one parameter (pass the list through `listParam`). */
  inList(column: string): string;
  listParam(values: readonly string[]): unknown;
  /**
   * An expression for the id the next row of `table` gets (its serial key `column`), so a row written
   * before it can point at it. PostgreSQL draws it from the sequence, and the row must be inserted
   * with it; SQLite reads AUTOINCREMENT's next value (sqlite_sequence), which the next insert of
   * this transaction takes, as it holds the database's write lock (the caller checks it did).
   */
  nextSerialId(table: string, column?: string): string;
  /** Cast of a parameter where the driver cannot infer its column type (INSERT … SELECT). */
  cast(type: 'json' | 'bool' | 'timestamp'): string;
  /**
   * An INSERT of `count` rows (at most ROWS_PER_INSERT) in one statement. PostgreSQL: one array
   * parameter per column, unnested (one text whatever the count, so one prepared statement);
   * SQLite: a VALUES list, one tuple a row.
   */
  rowsInsert(table: string, columns: readonly RowColumn[], count: number): RowsInsert;
  /**
   * `count` fresh values of the serial key `column` of `table`, for rows the caller inserts with
   * them in this write transaction (so a row written before another can point at it).
   */
  reserveIds(sql: SqlRunner, table: string, column: string, count: number): Promise<number[]>;
  isConnectionError(error: unknown): boolean;
}

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
  claimable: (query) => query,
  locked: (query) => query,
  // The write transaction holds the database's write lock: no key lock is needed.
  beginWithLocks: () => 'begin immediate',
  writesInWith: false,
  isRetryable: () => false,
  statementText: (text) => text,
  // The write transaction holds the database lock: every row it reads is already its own.
  lockRows: () => '',
  inList: (column) => `${column} in (select value from json_each(?))`,
  listParam: (values) => JSON.stringify(values),
  nextSerialId: (table) => `coalesce((select seq from sqlite_sequence where name = '${table}'), 0) + 1`,
  cast: () => '',
  rowsInsert: (table, columns, count) => {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    return {
      text: `insert into ${table} (${columns.map((c) => c.name).join(', ')}) values ${Array<string>(count).fill(tuple).join(', ')}`,
      params: (rows) => rows.flat(),
    };
  },
  // The write transaction holds the database's write lock: the next AUTOINCREMENT values are the
  // caller's until it commits (inserting them moves sqlite_sequence on).
  async reserveIds(sql, table, column, count) {
    const row = await sql.get<{ first: number }>(`select ${sqliteDialect.nextSerialId(table, column)} as first`, []);
    const first = Number(row!.first);
    return Array.from({ length: count }, (_, i) => first + i);
  },
  isConnectionError(error) {
    const code = errorCode(error);
    return code === 'SQLITE_CANTOPEN' || code === 'SQLITE_BUSY';
  },
};

/** A key's advisory lock id: the first 64 bits of its SHA-256, as a signed bigint (a literal, never text). */
export function advisoryLockId(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

/** `?` → `$1`, `$2`… (callers keep the result: the store works it out once per text). */
function numberedPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

const PG_RETRYABLE = new Set(['40001', '40P01', '23505']);
// 57014: statement timeout — the database is too slow to answer, which callers treat like down.
const PG_CONNECTION_CODES = new Set([
  '57014',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

const PG_ARRAY: Record<RowColumnKind, string> = {
  id: 'bigint[]',
  text: 'text[]',
  json: 'jsonb[]',
  bool: 'boolean[]',
  timestamp: 'timestamptz[]',
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  serialKey: 'bigserial',
  jsonType: 'jsonb',
  boolType: 'boolean',
  timestampType: 'timestamptz',
  serialRefType: 'bigint',
  serialPrimaryKey: (column) => column.primaryKey(),
  claimable: (query) => query.forUpdate().skipLocked(),
  locked: (query) => query.forUpdate(),
  beginWithLocks(keys) {
    const ids = [...new Set(keys.map(advisoryLockId))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return ids.length === 0 ? 'begin' : `begin; select ${ids.map((id) => `pg_advisory_xact_lock(${id})`).join(', ')}`;
  },
  writesInWith: true,
  isRetryable: (error) => PG_RETRYABLE.has(errorCode(error) ?? ''),
  statementText: (text) => numberedPlaceholders(text),
  lockRows: (table) => ` for update of ${table}`,
  inList: (column) => `${column} = any(?::text[])`,
  listParam: (values) => values,
  nextSerialId: (table, column = 'id') => `nextval('${table}_${column}_seq')`,
  cast: (type) => ({ json: '::jsonb', bool: '::boolean', timestamp: '::timestamptz' })[type],
  rowsInsert: (table, columns) => ({
    text: `insert into ${table} (${columns.map((c) => c.name).join(', ')}) select * from unnest(${columns.map((c) => `?::${PG_ARRAY[c.kind]}`).join(', ')})`,
    params: (rows) => columns.map((_, j) => rows.map((row) => row[j])),
  }),
  async reserveIds(sql, table, column, count) {
    const rows = await sql.all<{ id: number }>(
      `select ${postgresDialect.nextSerialId(table, column)} as id from generate_series(1, ?::int)`,
      [count],
    );
    return rows.map((row) => Number(row.id));
  },
  isConnectionError(error) {
    const code = errorCode(error);
    if (code !== undefined && PG_CONNECTION_CODES.has(code)) return true;
    const message = error instanceof Error ? error.message : '';
    return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    );
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
