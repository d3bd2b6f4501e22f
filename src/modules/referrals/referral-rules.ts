import type { WriteTx } from '../../db/sql-runner.js';
import type { AccountRecord } from '../accounts/index.js';
import type { ProfileState } from '../profiles/index.js';
import { findReferralOfReferee, insertReferral, markReferralActive } from './referrals.store.js';

/**
 * The referral rules of docs/api.md "The rules in short" as the customer write path applies them, inside its
 * transaction: when a referral completes, recorded as the referee is written.
 */

/** A referral completes at sign-up (the referee is not a guest) or at the first order, per account. */
export function referralIsComplete(account: AccountRecord, state: ProfileState): boolean {
  if (account.referralCompletion === 'signup') return !state.guest;
  const orders = state.attributes.totalOrders;
  return typeof orders === 'number' && orders >= 1;
}

/**
 * Records a referral as the referee is written: a new one (Pending or Active), or the pending
 * one completed now. Answers the referrer's gameballId when a referral completed.
 */
export async function recordReferral(
  tx: WriteTx,
  account: AccountRecord,
  referee: { gameballId: number; state: ProfileState; wasReferred: boolean },
  referrerId: number | undefined,
  now: string,
): Promise<number | undefined> {
  const completed = referralIsComplete(account, referee.state);
  if (referrerId !== undefined) {
    const status = completed ? 'Active' : 'Pending';
    await insertReferral(tx.sql, {
      accountId: account.id,
      referrerGameballId: referrerId,
      refereeGameballId: referee.gameballId,
      status,
      now,
    });
    return completed ? referrerId : undefined;
  }
  if (!completed || !referee.wasReferred) return undefined;
  const referral = await findReferralOfReferee(tx.sql, account.id, referee.gameballId);
  if (referral?.status !== 'Pending') return undefined;
  await markReferralActive(tx.sql, account.id, referral.id, now);
  return referral.referrerGameballId;
}
