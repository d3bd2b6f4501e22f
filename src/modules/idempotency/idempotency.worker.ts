import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PurgeWorker } from '../../workers/purge-worker.js';
import { purgeKeysBefore } from './idempotency.store.js';

/** How long an Idempotency-Key and its answer are kept. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/** Purges Idempotency-Keys older than 24 hours. */
export class IdempotencyPurgeWorker extends PurgeWorker {
  constructor(store: Store, pollMs: number, log: FastifyBaseLogger, ttlMs = IDEMPOTENCY_KEY_TTL_MS) {
    super(
      store,
      {
        name: 'idempotency key purge',
        keepMs: ttlMs,
        purge: purgeKeysBefore,
        said: 'idempotency keys past 24 hours purged',
      },
      pollMs,
      log,
    );
  }
}
