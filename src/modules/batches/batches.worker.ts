import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { findAccountById } from '../accounts/accounts.store.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { batchSignal, upsertItem } from './batches.service.js';
import { claimJob, finishJob, isStopRequested, pendingItems, recordOutcomes, releaseJob, type ItemOutcome } from './batches.store.js';

const CHUNK = 200;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs stored batch jobs. A node claims one job and renews the claim after every chunk, so a
 * job runs on one node at a time; if that node dies, the claim lapses and another node (or the
 * same one restarted) carries on from the first unprocessed item.
 */
export class BatchWorker extends PollingWorker {
  constructor(
    private readonly store: Store,
    pollMs: number,
    private readonly leaseMs: number,
    log: FastifyBaseLogger,
  ) {
    super('batches', pollMs, log, batchSignal);
  }

  /** A chunk takes well under a second, so a lease of seconds is renewed long before it lapses. */
  private lease(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  protected async round(): Promise<number> {
    const now = new Date().toISOString();
    let held = this.lease();
    const job = await this.store.dialect.transaction(this.store.db, (trx) => claimJob(trx, now, held, this.store.dialect.supportsSkipLocked));
    if (!job) return 0;
    for (;;) {
      if (this.stopping) {
        // Shutting down: hand the job back at once rather than make another node wait out the lease.
        await releaseJob(this.store.db, job.id, new Date().toISOString());
        return 1;
      }
      // Read per chunk: settings or webhook subscriptions may change during a long job.
      const account = await findAccountById(this.store.db, job.accountId);
      if (!account) {
        await finishJob(this.store.db, job.id, 'failed', 'The account no longer exists.', new Date().toISOString());
        return 1;
      }
      if (await isStopRequested(this.store.db, job.id)) {
        await finishJob(this.store.db, job.id, 'failed', 'Stopped by request; the remaining items were not processed.', new Date().toISOString());
        return 1;
      }
      const items = await pendingItems(this.store.db, job.id, CHUNK);
      if (items.length === 0) {
        await finishJob(this.store.db, job.id, 'completed', null, new Date().toISOString());
        return 1;
      }
      const outcomes: ItemOutcome[] = [];
      let stillOurs = true;
      try {
        for (const item of items) {
          outcomes.push({ idx: item.idx, ...(await upsertItem(this.store, account, JSON.parse(item.body))) });
          // better-sqlite3 answers synchronously, so without this the loop would never leave the
          // microtask queue and HTTP requests would wait for the whole chunk.
          await yieldToEventLoop();
        }
      } finally {
        // Whatever was done is recorded, even when the store failed half way through a chunk.
        const next = this.lease();
        stillOurs = await this.store.dialect.transaction(this.store.db, (trx) => recordOutcomes(trx, job.id, outcomes, held, next, new Date().toISOString()));
        held = next;
      }
      // Our lease lapsed and another node claimed the job: it carries on, we stop.
      if (!stillOurs) return 1;
    }
  }
}
