import type { Db } from './database.js';

/**
 * The hot path's statements: SQL text written once with `?` placeholders and run with
 * parameters — no query building per request (on SQLite each text is also prepared once). The dialect rewrites the
 * placeholders where its driver needs another form. Rows come back as the driver gives them;
 * each store's row → domain function evens out the dialects.
 */
export interface SqlRunner {
  all<T>(text: string, params: readonly unknown[]): Promise<T[]>;
  get<T>(text: string, params: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement that returns no rows; answers how many rows it changed. */
  run(text: string, params: readonly unknown[]): Promise<number>;
  /**
   * Runs an INSERT of one row, written without RETURNING, and answers the serial `id` it got:
   * the embedded store reads it from the driver (RETURNING costs SQLite a result set, ~2 µs an
   * insert), PostgreSQL's runner asks for it with `returning id`.
   */
  insert(text: string, params: readonly unknown[]): Promise<number>;
}

/** One write transaction: the prepared-statement runner and, for the colder paths, Kysely on the same connection. */
export interface WriteTx {
  readonly sql: SqlRunner;
  readonly db: Db;
  /**
   * PostgreSQL: a runner for the transaction's last statement, which it sends with COMMIT in one
   * round trip and answers once both are; no statement may follow it. Undefined on the embedded
   * store, whose group commits after its writes anyway.
   */
  readonly last?: SqlRunner;
}

/**
 * Thrown by a write whose last statement (WriteTx.last) found it must be run again — it committed
 * nothing of its own: the store runs the whole transaction again, as for a conflict.
 */
export class WriteAgain extends Error {
  constructor(reason: string) {
    super(`the write runs again: ${reason}`);
  }
}
