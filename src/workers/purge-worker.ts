import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import type { Store } from '../db/connect.js';
import { PollingWorker } from './polling-worker.js';

/** Rows deleted per statement: a long backlog goes in short transactions. */
const PURGE_BATCH = 5_000;

export interface Purge {
  /** The worker's name in logs. */
  name: string;
  /** How long rows are kept; 0 or less: nothing is purged. */
  keepMs: number;
  /** Deletes up to about `limit` rows older than `before` (ISO time) and answers how many went. */
  purge(db: Db, before: string, limit: number): Promise<number>;
  /** Logged with the count when a round deleted something. */
  said: string;
}

/**
 * Deletes what is past its keeping time, a batch per round; every node runs one (deletes are
 * idempotent). Outside a write group: when nothing is due a round is one probe of the oldest
 * rows, no write transaction.
 */
export class PurgeWorker extends PollingWorker {
  constructor(
    private readonly store: Store,
    private readonly what: Purge,
    pollMs: number,
    log: FastifyBaseLogger,
  ) {
    super(what.name, pollMs, log);
  }

  protected async round(): Promise<number> {
    if (this.what.keepMs <= 0) return 0;
    const before = new Date(Date.now() - this.what.keepMs).toISOString();
    const purged = await this.what.purge(this.store.db, before, PURGE_BATCH);
    if (purged > 0) this.log.info({ purged }, this.what.said);
    // A full batch means more may be waiting: the base class runs the next round at once.
    return purged >= PURGE_BATCH ? purged : 0;
  }
}
