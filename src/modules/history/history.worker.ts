import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PurgeWorker } from '../../workers/purge-worker.js';
import { purgeHistoryBefore } from './history.store.js';

const DAY_MS = 86_400_000;

/** Purges history entries older than the retention (PATRON_HISTORY_RETENTION_DAYS). */
export class HistoryPurgeWorker extends PurgeWorker {
  constructor(store: Store, retentionDays: number, pollMs: number, log: FastifyBaseLogger) {
    super(
      store,
      {
        name: 'history purge',
        keepMs: retentionDays * DAY_MS,
        purge: purgeHistoryBefore,
        said: 'history entries past retention purged',
      },
      pollMs,
      log,
    );
  }
}
