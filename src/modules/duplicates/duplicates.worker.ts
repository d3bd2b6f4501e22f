import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { duplicateScoring } from '../../metrics/metrics.js';
import { newestProfileChange } from '../customers/index.js';
import { ROUND_SIZE, scoreRound } from './scoring-round.js';

/** Share of the time scoring may take while writes are pouring in: they come first. */
const BUSY_SHARE = 0.01;
/** Share it takes otherwise: each round is followed by a pause as long. */
const IDLE_SHARE = 0.5;
/** Above this many profiles queued per second (by every node), the nodes are busy. */
const BUSY_ABOVE_PER_SECOND = 50;
/** Above this share of the event loop used by requests since the last round, the node is busy. */
const BUSY_LOOP = 0.3;
/**
 * Profiles a round takes while busy: a round holds the event loop while it scores, so this bounds
 * what it adds to a request's latency — 50 held it ~17 ms (25 at most) on this machine, the p99 of
 * creates at 50 connections; 10 hold it ~6 ms (7 at most).
 */
const BUSY_ROUND = 10;

/**
 * Scores profiles queued by writes for possible duplicates (docs/duplicates.md). Every `patron
 * serve` runs one; nodes share the queue through claims with a lease. A round takes at most
 * ROUND_SIZE profiles, so its memory does not grow with the account. Scoring shares the node's CPU
 * and the database with the requests, so it paces itself: before each round it looks at how fast
 * writes queue profiles (on every node) and how much of this node's event loop the requests used
 * since its last round; while either is high it keeps to BUSY_SHARE of the time in short rounds — a
 * burst of writes or reads is slowed by little, and the queue (in the store: nothing is lost) drains
 * when the burst is over.
 */
export class DuplicatesWorker extends PollingWorker {
  private newest = -1;
  private measuredAt = 0;
  /** When the last round ended and how long it took. */
  private lastEnd = 0;
  private lastTook = 0;
  /** The event loop's use is read from here: the end of the last round, so its own work is not counted. */
  private loopMark = performance.eventLoopUtilization();

  constructor(
    private readonly store: Store,
    pollMs: number,
    log: FastifyBaseLogger,
  ) {
    super('duplicates', pollMs, log);
  }

  /** Whether writes are queueing profiles fast, since the last look. */
  private async writesBusy(): Promise<boolean> {
    const newest = await newestProfileChange(this.store);
    const now = performance.now();
    const perSecond = this.newest < 0 ? 0 : ((newest - this.newest) * 1000) / Math.max(now - this.measuredAt, 1);
    this.newest = newest;
    this.measuredAt = now;
    return perSecond > BUSY_ABOVE_PER_SECOND;
  }

  /** Whether the requests kept this node's event loop busy since the mark. */
  private loopBusy(): boolean {
    const used = performance.eventLoopUtilization(this.loopMark).utilization;
    this.loopMark = performance.eventLoopUtilization();
    return used > BUSY_LOOP;
  }

  protected async round(): Promise<number> {
    const loop = this.loopBusy();
    const busy = (await this.writesBusy()) || loop;
    // Busy: wait until this round keeps scoring within its share (the next poll looks again).
    if (busy && performance.now() - this.lastEnd < (this.lastTook * (1 - BUSY_SHARE)) / BUSY_SHARE) return 0;
    const started = performance.now();
    const scored = await scoreRound(this.store, { limit: busy ? BUSY_ROUND : ROUND_SIZE });
    this.lastEnd = performance.now();
    this.lastTook = this.lastEnd - started;
    this.loopMark = performance.eventLoopUtilization();
    if (scored === 0) return 0;
    duplicateScoring.inc(scored);
    if (!busy) await this.pause((this.lastTook * (1 - IDLE_SHARE)) / IDLE_SHARE);
    return scored;
  }

  /** Waits `ms`, ending early when the worker stops. */
  private async pause(ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (!this.stopping && performance.now() < end)
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, end - performance.now())));
  }
}
