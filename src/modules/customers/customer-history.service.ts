import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { findProfileByCustomerId } from './customers.store.js';
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

/** A profile's history reached by any of its customerIds, newest first; page with startAfter = the last id seen. */
export async function getHistory(
  store: Store,
  account: AccountRecord,
  customerId: string,
  page: { limit?: number; startAfter?: number },
): Promise<HistoryPage> {
  const limit = page.limit ?? DEFAULT_HISTORY_PAGE;
  // The profile first: the entries are explained from it, walking back from the head it names.
  const found = await store.read(async (sql) => {
    const profile = await findProfileByCustomerId(sql, store.dialect, account.id, customerId);
    return (
      profile && {
        gameballId: profile.gameballId,
        entries: await listHistory(sql, profile, page.startAfter ?? 0, limit + 1),
      }
    );
  });
  if (found === undefined)
    throw new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);
  const history = found.entries.slice(0, limit);
  return { gameballId: found.gameballId, history, count: history.length, hasMore: found.entries.length > limit };
}
