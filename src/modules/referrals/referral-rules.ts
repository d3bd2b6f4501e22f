import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import type { ProfileState } from '../profiles/profile.types.js';
import { generateReferralCode } from './referral-code.js';
import {
  findProfileByReferralCode,
  findReferralOfReferee,
  insertReferral,
  isReferralCodeTaken,
  markReferralActive,
  retireReferralCode,
} from './referrals.store.js';

/**
 * The referral rules of SPEC "Referrals" as the customer write path applies them, inside its
 * transaction: which referrer a code names, when a referral completes, and referral codes.
 */

/** The referrer a request's referrerCode names, or the 422 the SPEC asks for. */
export async function findReferrer(
  tx: WriteTx,
  account: AccountRecord,
  code: string,
  selfId: number | undefined,
): Promise<number> {
  const referrer = await findProfileByReferralCode(tx.sql, account.id, code);
  if (!referrer)
    throw new AppError(
      'referralCodeNotFound',
      `Invalid value for 'referrerCode': no customer of this account has referral code "${code}".`,
      'referrerCode',
    );
  if (referrer.gameballId === selfId)
    throw new AppError(
      'referralNotAllowed',
      "Invalid value for 'referrerCode': a customer cannot refer themselves.",
      'referrerCode',
    );
  if (!referrer.isActive)
    throw new AppError(
      'referralNotAllowed',
      `Invalid value for 'referrerCode': referral code "${code}" belongs to an inactive customer.`,
      'referrerCode',
    );
  return referrer.gameballId;
}

/** A referral completes at sign-up (the referee is not a guest) or at the first order, per account. */
export function referralIsComplete(account: AccountRecord, state: ProfileState): boolean {
  if (account.referralCompletion === 'signup') return !state.guest;
  const orders = state.attributes.totalOrders;
  return typeof orders === 'number' && orders >= 1;
}

/** A code no profile holds and no deleted profile held, for a guest who registers. */
export async function unusedReferralCode(tx: WriteTx, accountId: string): Promise<string> {
  for (;;) {
    const code = generateReferralCode();
    if (!(await isReferralCodeTaken(tx.sql, accountId, code))) return code;
  }
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
  const referral = await findReferralOfReferee(tx.sql, referee.gameballId);
  if (referral?.status !== 'Pending') return undefined;
  await markReferralActive(tx.sql, referral.id, now);
  return referral.referrerGameballId;
}

/** A deleted profile's code is never handed out again. */
export async function retireCode(tx: WriteTx, accountId: string, code: string, now: string): Promise<void> {
  await retireReferralCode(tx.sql, accountId, code, now);
}
