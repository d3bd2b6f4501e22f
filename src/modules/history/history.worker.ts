import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { purgeHistoryBefore } from './history.store.js';

const DAY_MS = 86_400_000;
/** Entries deleted per statement: a long backlog goes in short transactions. */
const PURGE_BATCH = 5_000;

/** Purges history entries older than the retention; every node runs one (deletes are idempotent). */
export class HistoryPurgeWorker extends PollingWorker {
  constructor(
    private readonly store: Store,
    private readonly retentionDays: number,
    /** A look costs one indexed range probe (by time) when nothing is due. */
    pollMs: number,
    log: FastifyBaseLogger,
  ) {
    super('history purge', pollMs, log);
  }

  protected async round(): Promise<number> {
    if (this.retentionDays <= 0) return 0;
    const before = new Date(Date.now() - this.retentionDays * DAY_MS).toISOString();
    const purged = await purgeHistoryBefore(this.store.db, before, PURGE_BATCH);
    if (purged > 0) this.log.info({ purged }, 'history entries past retention purged');
    // A full batch means more may be waiting: the base class runs the next round at once.
    return purged === PURGE_BATCH ? purged : 0;
  }
}
