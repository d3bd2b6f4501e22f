import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { monotonicNow } from '../../clock.js';
import { notePair } from './profile-writes.store.js';

/**
 * Records in both profiles' histories that a person decided they are not one (a possible duplicate
 * dismissed), inside the caller's transaction: `duplicate dismissed`, naming the other profile.
 */
export async function recordDismissal(
  store: Store,
  tx: WriteTx,
  accountId: string,
  pair: readonly [number, number],
  requestId: string | undefined,
): Promise<void> {
  if (!store.recordsHistory) return;
  const record = { operation: 'duplicate dismissed' as const, requestId, accountId, at: monotonicNow(), changes: [] };
  await notePair(tx, store.dialect, record, pair);
}
