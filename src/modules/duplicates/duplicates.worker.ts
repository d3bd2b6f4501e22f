import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { duplicateScoring } from '../../metrics/metrics.js';
import { scoreRound } from './scoring-round.js';

/**
 * Scores profiles queued by writes for possible duplicates (docs/duplicates.md). Every `patron
 * serve` runs one; nodes share the queue through claims with a lease. A round takes at most
 * ROUND_SIZE profiles, so its memory does not grow with the account.
 */
export class DuplicatesWorker extends PollingWorker {
  constructor(
    private readonly store: Store,
    pollMs: number,
    log: FastifyBaseLogger,
  ) {
    super('duplicates', pollMs, log);
  }

  protected async round(): Promise<number> {
    const scored = await scoreRound(this.store);
    if (scored > 0) duplicateScoring.inc(scored);
    return scored;
  }
}
