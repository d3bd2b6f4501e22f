import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { purgeKeysBefore } from './idempotency.store.js';

/** How long an Idempotency-Key and its answer are kept. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
const PURGE_BATCH = 5_000;

/** Purges Idempotency-Keys older than 24 hours; every node runs one (deletes are idempotent). */
export class IdempotencyPurgeWorker extends PollingWorker {
  constructor(
    private readonly store: Store,
    pollMs: number,
    log: FastifyBaseLogger,
    private readonly ttlMs = IDEMPOTENCY_KEY_TTL_MS,
  ) {
    super('idempotency key purge', pollMs, log);
  }

  protected async round(): Promise<number> {
    const before = new Date(Date.now() - this.ttlMs).toISOString();
    // Outside a write group, as the history purge: when nothing is due it is one index probe, no write transaction.
    const purged = await purgeKeysBefore(this.store.db, before, PURGE_BATCH);
    if (purged > 0) this.log.info({ purged }, 'idempotency keys past 24 hours purged');
    return purged >= PURGE_BATCH ? purged : 0;
  }
}
