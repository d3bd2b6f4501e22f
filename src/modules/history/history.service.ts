import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import { gameballIdOf } from '../customers/customers.service.js';
import { listHistory } from './history.store.js';
import type { HistoryEntry } from './history.types.js';

export const DEFAULT_HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 200;

export interface HistoryPage {
  gameballId: number;
  history: HistoryEntry[];
  count: number;
  hasMore: boolean;
}

/** A profile's history reached by any of its customerIds, newest first; page with startAfter = the last id seen. */
export async function getHistory(store: Store, account: AccountRecord, customerId: string, page: { limit?: number; startAfter?: number }): Promise<HistoryPage> {
  const gameballId = await gameballIdOf(store, account, customerId);
  if (gameballId === undefined) throw new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);
  const limit = page.limit ?? DEFAULT_HISTORY_PAGE;
  const entries = await store.read((sql) => listHistory(sql, account.id, gameballId, page.startAfter ?? 0, limit + 1));
  const history = entries.slice(0, limit);
  return { gameballId, history, count: history.length, hasMore: entries.length > limit };
}
