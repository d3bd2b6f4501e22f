import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import { findAccountRecord } from '../accounts/index.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { batchItems } from '../../metrics/metrics.js';
import { batchSignal, upsertItems } from './batches.service.js';
import { BulkBudget } from '../limits/index.js';
import { SINGLE_NODE } from '../limits/index.js';
import {
  claimJob,
  finishJob,
  isStopRequested,
  pendingItems,
  recordOutcomes,
  releaseJob,
  type ItemOutcome,
  type JobRef,
} from './batches.store.js';
import { inSpan } from '../../telemetry/index.js';

const CHUNK = 250;

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
    private readonly budget: BulkBudget = new BulkBudget(SINGLE_NODE),
  ) {
    super('batches', pollMs, log, batchSignal);
  }

  /** A chunk takes well under a second, so a lease of seconds is renewed long before it lapses. */
  private lease(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  protected async round(): Promise<number> {
    const now = new Date().toISOString();
    const held = this.lease();
    const job = await this.store.write(({ db: trx }) => claimJob(trx, this.store.dialect, now, held));
    if (!job) return 0;
    // One trace per claim of a job: its chunks, their store writes.
    return inSpan('batch job', { 'patron.account_id': job.accountId, 'patron.batch.job_id': job.id }, () =>
      this.runJob(job, held),
    );
  }

  private async runJob(job: JobRef, held: string): Promise<number> {
    for (;;) {
      if (this.stopping) {
        // Shutting down: hand the job back at once rather than make another node wait out the lease.
        await releaseJob(this.store.db, job, new Date().toISOString());
        return 1;
      }
      // Read per chunk: settings or webhook subscriptions may change during a long job.
      const account = await findAccountRecord(this.store, job.accountId);
      if (!account) {
        await finishJob(this.store.db, job, 'failed', 'The account no longer exists.', new Date().toISOString());
        return 1;
      }
      if (await isStopRequested(this.store.db, job)) {
        await finishJob(
          this.store.db,
          job,
          'failed',
          'Stopped by request; the remaining items were not processed.',
          new Date().toISOString(),
        );
        return 1;
      }
      const items = await pendingItems(this.store.db, job, this.budget.listSize(account, CHUNK));
      if (items.length === 0) {
        await finishJob(this.store.db, job, 'completed', null, new Date().toISOString());
        return 1;
      }
      await this.budget.take(account, items.length);
      // The chunk goes through the write core as one list: one transaction, one commit. A batch is
      // submitted and read only with the secretKey (its routes require it), so its items' errors say
      // what a single request with the secretKey is told.
      const next = this.lease();
      const stillOurs = await inSpan('batch chunk', { 'patron.batch.items': items.length }, async (span) => {
        const results = await upsertItems(
          this.store,
          account,
          items.map((item) => JSON.parse(item.body) as unknown),
          (i) => ({ operation: 'batch item', requestId: `batch ${job.id} item ${items[i]!.idx}` }),
          'secretKey',
        );
        const outcomes: ItemOutcome[] = items.map((item, i) => ({ idx: item.idx, ...results[i]! }));
        const failed = outcomes.filter((outcome) => outcome.errorCode !== null).length;
        batchItems.inc({ outcome: 'ok' }, outcomes.length - failed);
        batchItems.inc({ outcome: 'failed' }, failed);
        span?.setAttribute('patron.batch.failed_items', failed);
        return this.store.write(({ db: trx }) =>
          recordOutcomes(trx, job, outcomes, held, next, new Date().toISOString()),
        );
      });
      held = next;
      // better-sqlite3 answers synchronously: let HTTP requests in between two chunks.
      await yieldToEventLoop();
      // Our lease lapsed and another node claimed the job: it carries on, we stop.
      if (!stillOurs) return 1;
    }
  }
}
