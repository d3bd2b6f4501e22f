import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { findProfileByCustomerId } from './customers.store.js';
import { retiredInto } from './retired-profiles.store.js';
import { listHistory } from '../history/index.js';
import type { HistoryEntry } from '../history/index.js';

export const DEFAULT_HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 200;

export interface HistoryPage {
  gameballId: number;
  history: HistoryEntry[];
  count: number;
  hasMore: boolean;
}

/**
 * A profile's history reached by any of its customerIds, newest first; page with startAfter = the
 * last id seen. `mergedProfile`: the history of a profile an explicit merge retired into this one.
 */
export async function getHistory(
  store: Store,
  account: AccountRecord,
  customerId: string,
  page: { limit?: number; startAfter?: number; mergedProfile?: number },
): Promise<HistoryPage> {
  const limit = page.limit ?? DEFAULT_HISTORY_PAGE;
  // The profile first: the entries are explained from it, walking back from the head it names.
  const found = await store.read(async (sql) => {
    const profile = await findProfileByCustomerId(sql, store.dialect, account.id, customerId);
    if (!profile) return undefined;
    const chain =
      page.mergedProfile === undefined
        ? profile
        : (await retiredInto(sql, account.id, profile.gameballId)).find((r) => r.gameballId === page.mergedProfile);
    return { chain, entries: chain ? await listHistory(sql, chain, page.startAfter ?? 0, limit + 1) : [] };
  });
  if (found === undefined)
    throw new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);
  if (found.chain === undefined)
    throw new AppError(
      'notFound',
      `mergedProfile ${page.mergedProfile} is not a profile an explicit merge retired into the profile of customerId "${customerId}".`,
    );
  const history = found.entries.slice(0, limit);
  return { gameballId: found.chain.gameballId, history, count: history.length, hasMore: found.entries.length > limit };
}
