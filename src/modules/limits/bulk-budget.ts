import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountRecord } from '../accounts/index.js';
import type { NodeCount } from './node-registry.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Batch and import items per second for each account, a budget apart from its API writes so a
 * long import cannot take the live traffic's share (docs/operations.md "Rate limits"). Split among the nodes
 * running bulk items at the moment. Bulk work waits for its budget rather than failing.
 */
export class BulkBudget {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly nodes: NodeCount) {}

  private rateOf(account: AccountRecord): number {
    return account.rateLimitBulk / this.nodes.bulkNodes();
  }

  /** How many items the next list may hold: about one second's worth of this node's share, so no wait is long. */
  listSize(account: AccountRecord, max: number): number {
    if (account.rateLimitBulk <= 0) return max;
    return Math.max(1, Math.min(max, Math.floor(this.rateOf(account))));
  }

  /** Takes `items` from the budget, waiting as long as that runs it into debt. */
  async take(account: AccountRecord, items: number): Promise<void> {
    if (account.rateLimitBulk <= 0) return;
    this.nodes.markBulk();
    const rate = this.rateOf(account);
    let bucket = this.buckets.get(account.id);
    if (!bucket) this.buckets.set(account.id, (bucket = new TokenBucket(rate, performance.now())));
    const waitMs = bucket.takeOwing(items, rate, performance.now());
    if (waitMs > 0) await sleep(waitMs);
  }
}
