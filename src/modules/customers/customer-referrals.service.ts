import type { Store } from '../../db/connect.js';
import { invalid } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { countReferralsByStatus, listFriendsOf, type ReferralStatus } from '../referrals/index.js';
import { findProfileByReferralCode, profileSummaries } from './customer-reads.store.js';
import { gameballIdOf, getCustomer } from './customers.service.js';

/** A customer's referrals as the API shows them: the referrals module's links, each friend named by its profile. */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/**
 * Whether a code may be used as referrerCode: it belongs to an active profile of this account
 * and, given forCustomerId, not to that customer's own profile (any of its customerIds).
 */
export async function isReferrerCodeValid(
  store: Store,
  account: AccountRecord,
  code: string,
  forCustomerId?: string,
): Promise<boolean> {
  const referrer = await store.read((sql) => findProfileByReferralCode(sql, account.id, code.trim().toUpperCase()));
  if (!referrer || !referrer.isActive) return false;
  if (forCustomerId === undefined || forCustomerId.trim() === '') return true;
  return (await gameballIdOf(store, account, forCustomerId.trim())) !== referrer.gameballId;
}

export interface ReferredFriend {
  customerId?: string;
  displayName?: string;
  email?: string;
  mobileNumber?: string;
  joinDate: string;
  status: ReferralStatus;
  gameballId: number;
}

export async function listReferrals(
  store: Store,
  account: AccountRecord,
  customerId: string,
  page: { startAfter?: number; limit?: number },
): Promise<{ referredFriends: ReferredFriend[]; count: number; hasMore: boolean }> {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  if (limit < 1 || limit > MAX_PAGE_SIZE) throw invalid('limit', `must be between 1 and ${MAX_PAGE_SIZE}`);
  const startAfter = page.startAfter ?? 0;
  if (startAfter < 0) throw invalid('startAfter', 'must be 0 or a gameballId');
  const { profile } = await getCustomer(store, account, customerId);
  // One row more than asked tells whether another page exists without a count query.
  const links = await listFriendsOf(store.db, account.id, profile.gameballId, startAfter, limit + 1);
  const shown = links.slice(0, limit);
  const summaries = await profileSummaries(
    store.db,
    account.id,
    shown.map((link) => link.gameballId),
  );
  const friends = shown.flatMap((link): ReferredFriend[] => {
    const friend = summaries.get(link.gameballId);
    if (friend === undefined) return [];
    const displayName = friend.attributes.displayName;
    const joinDate = friend.attributes.joinDate;
    return [
      {
        gameballId: link.gameballId,
        ...(friend.customerId !== null && { customerId: friend.customerId }),
        ...(typeof displayName === 'string' && { displayName }),
        ...(friend.email !== null && { email: friend.email }),
        ...(friend.mobile !== null && { mobileNumber: friend.mobile }),
        joinDate: typeof joinDate === 'string' ? joinDate : friend.createdAt,
        status: link.status,
      },
    ];
  });
  return { referredFriends: friends, count: friends.length, hasMore: links.length > limit };
}

export async function countReferrals(
  store: Store,
  account: AccountRecord,
  customerId: string,
): Promise<{ count: number; totalPending: number; totalActive: number }> {
  const { profile } = await getCustomer(store, account, customerId);
  const counts = await countReferralsByStatus(store.db, account.id, profile.gameballId);
  return { count: counts.Pending + counts.Active, totalPending: counts.Pending, totalActive: counts.Active };
}
