import type SQLite from 'better-sqlite3';
import type { Db } from './database.js';
import type { SqlRunner } from './sql-runner.js';
import { writeDuration, writeGroupSize } from '../metrics/metrics.js';

type Prepare = (text: string) => SQLite.Statement;

/** Runs prepared statements synchronously on the one connection this process holds. */
export function sqliteRunner(prepare: Prepare, count: (text?: string) => void): SqlRunner {
  return {
    async all<T>(text: string, params: readonly unknown[]) {
      count(text);
      return prepare(text).all(...params) as T[];
    },
    async get<T>(text: string, params: readonly unknown[]) {
      count(text);
      return prepare(text).get(...params) as T | undefined;
    },
    async run(text, params) {
      count(text);
      return prepare(text).run(...params).changes;
    },
    async insert(text, params) {
      count(text);
      return Number(prepare(text).run(...params).lastInsertRowid);
    },
  };
}

interface Pending<Tx> {
  work: (tx: Tx) => Promise<unknown>;
  /** Runs in a transaction of its own, without a savepoint (see runAlone). */
  alone: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Past this many works one transaction is long enough; the rest wait for the next group. */
const MAX_GROUP = 500;

/**
 * Group commit. SQLite has one writer, and a commit costs more than a simple statement: writes
 * that arrive while the writer is busy (or in the same turn of the event loop) are gathered and
 * run in one transaction, in arrival order, each inside its own savepoint so a failure undoes
 * that write only. Every caller is answered after the commit: a resolved write is durable.
 * A request waits for company at most one turn of the event loop.
 *
 * Reads are grouped the same way, in a read transaction without savepoints: in WAL mode each
 * transaction takes and drops a shared-memory lock, which costs more than a lookup by key.
 */
export class SqliteGroups<Tx> {
  private queue: Array<Pending<Tx>> = [];
  private running = false;
  /** The transaction running now: which group it is (counted from 1) and how many works share it (for spans). */
  group = { number: 0, size: 0 };

  constructor(
    private readonly db: Db,
    private readonly prepare: Prepare,
    private readonly count: () => void,
    private readonly inTransaction: () => boolean,
    private readonly mode: { begin: 'begin immediate' | 'begin'; savepoints: boolean; tx: (conn: Db) => Tx },
  ) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.enqueue(work, false);
  }

  /**
   * A long work (a chunk of a batch or an import) in a transaction of its own: in one savepoint,
   * each page it changes is copied to the statement journal first, and inserts measured 4-5×
   * slower past a few hundred rows. A failure rolls back the whole transaction: the caller
   * redoes its items one by one (customers' upsertCustomers).
   */
  runAlone<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.enqueue(work, true);
  }

  private enqueue<T>(work: (tx: Tx) => Promise<T>, alone: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, alone, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private exec(text: string): void {
    this.count();
    this.prepare(text).run();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const firstAlone = this.queue.findIndex((pending) => pending.alone);
      const size = firstAlone === 0 ? 1 : firstAlone === -1 ? MAX_GROUP : Math.min(firstAlone, MAX_GROUP);
      const group = this.queue.splice(0, size);
      await this.runGroup(group);
    }
    this.running = false;
  }

  private async runGroup(group: Array<Pending<Tx>>): Promise<void> {
    this.group = { number: this.group.number + 1, size: group.length };
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // Kysely's connection mutex: no other transaction of this process is open while we write.
      await this.db.connection().execute(async (conn) => {
        // IMMEDIATE (writes) takes the write lock up front, so another process (a CLI command)
        // makes us wait on busy_timeout instead of failing a read→write upgrade half way through.
        const began = performance.now();
        this.exec(this.mode.begin);
        try {
          const tx = this.mode.tx(conn);
          for (const pending of group) {
            try {
              const value =
                this.mode.savepoints && !pending.alone
                  ? await this.savepoint(() => pending.work(tx))
                  : await pending.work(tx);
              outcomes.push({ ok: true, value });
            } catch (error) {
              outcomes.push({ ok: false, error });
              // Without a savepoint, a failed work's writes can only be undone with the transaction.
              if (pending.alone) throw error;
            }
            // Some failures (disk full, I/O) make SQLite roll back the whole transaction itself:
            // the writes before were undone too, and what follows must not run outside one.
            const last = outcomes.at(-1)!;
            if (!this.inTransaction())
              throw last.ok ? new Error('the embedded store ended the transaction') : last.error;
          }
          this.exec('commit');
          if (this.mode.savepoints) {
            writeGroupSize.observe({ store: 'sqlite' }, group.length);
            writeDuration.observe({ store: 'sqlite' }, (performance.now() - began) / 1000);
          }
        } catch (error) {
          if (this.inTransaction()) this.exec('rollback');
          throw error;
        }
      });
    } catch (error) {
      // Nothing of the group committed: every caller hears the store's error.
      for (const pending of group) pending.reject(error);
      return;
    }
    group.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  /** One savepoint per work, never nested: releasing a nested savepoint costs SQLite far more. */
  private async savepoint<T>(work: () => Promise<T>): Promise<T> {
    this.exec('savepoint work');
    try {
      const result = await work();
      this.exec('release work');
      return result;
    } catch (error) {
      this.exec('rollback to work');
      this.exec('release work');
      throw error;
    }
  }
}
