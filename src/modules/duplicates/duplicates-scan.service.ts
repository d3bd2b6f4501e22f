import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import { findAccountRecord } from '../accounts/index.js';
import { pendingProfileChanges, queueWholeAccount } from '../customers/index.js';
import { scoreRound } from './scoring-round.js';

export interface ScanProgress {
  scored: number;
  total: number;
}

/**
 * `patron duplicates scan`: queues every profile of the account and scores them here, round by
 * round (other nodes' workers may take rounds too), until none of the account's is left.
 */
export async function scanAccount(
  store: Store,
  accountId: string,
  onProgress: (progress: ScanProgress) => void = () => {},
): Promise<ScanProgress> {
  const account = await findAccountRecord(store, accountId);
  if (!account) throw new AppError('notFound', `No account with id "${accountId}".`);
  if (!account.duplicateDetection)
    throw invalid('duplicateDetection', 'is off for this account: switch it on first (accounts update --duplicates)');
  await queueWholeAccount(store, accountId, new Date().toISOString());
  const total = await pendingProfileChanges(store, accountId);
  let scored = 0;
  for (;;) {
    const n = await scoreRound(store, { accountId });
    scored += n;
    if (n === 0) {
      // Claimed by another node, or done: done when nothing of the account waits.
      if ((await pendingProfileChanges(store, accountId)) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    onProgress({ scored: Math.min(scored, total), total });
  }
  return { scored: Math.min(scored, total), total };
}
