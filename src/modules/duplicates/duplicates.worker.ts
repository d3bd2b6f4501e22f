import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { duplicateScoring } from '../../metrics/metrics.js';
import { scoreRound } from './scoring-round.js';

/** Share of the event loop scoring may take while the node is busy serving: writes come first. */
const BUSY_SHARE = 0.05;
/** Share it may take otherwise (rounds alternate with pauses as long, in which the node is watched). */
const IDLE_SHARE = 0.5;
/** Above this utilisation of the event loop during a pause, the node is busy. */
const BUSY_ABOVE = 0.25;

/**
 * Scores profiles queued by writes for possible duplicates (docs/duplicates.md). Every `patron
 * serve` runs one; nodes share the queue through claims with a lease. A round takes at most
 * ROUND_SIZE profiles, so its memory does not grow with the account. Scoring shares the event loop
 * with the requests, so it paces itself: after each round it pauses, and while the pause shows the
 * node busy it keeps to BUSY_SHARE of the time — a burst of writes is never slowed by more than that,
 * and the queue (in the store: nothing is lost) drains when the burst is over.
 */
export class DuplicatesWorker extends PollingWorker {
  private busy = false;

  constructor(
    private readonly store: Store,
    pollMs: number,
    log: FastifyBaseLogger,
  ) {
    super('duplicates', pollMs, log);
  }

  protected async round(): Promise<number> {
    const started = performance.now();
    const scored = await scoreRound(this.store);
    if (scored === 0) return 0;
    duplicateScoring.inc(scored);
    const took = performance.now() - started;
    const share = this.busy ? BUSY_SHARE : IDLE_SHARE;
    const before = performance.eventLoopUtilization();
    await this.pause((took * (1 - share)) / share);
    this.busy = performance.eventLoopUtilization(before).utilization > BUSY_ABOVE;
    return scored;
  }

  /** Waits `ms`, ending early when the worker stops. */
  private async pause(ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (!this.stopping && performance.now() < end)
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, end - performance.now())));
  }
}
