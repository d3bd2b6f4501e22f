import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { generateReferralCode } from '../referrals/index.js';
import { findProfileByReferralCode, isReferralCodeTaken } from './customer-reads.store.js';

/**
 * Referral codes are the profile's: which profile a code names, and a fresh code for a guest who
 * registers (docs/api.md "The rules in short"). The referrals themselves are the referrals module's.
 */

/** The referrer a request's referrerCode names, or the 422 docs/api.md "The rules in short" names. */
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

/** A code no profile holds and no deleted profile held, for a guest who registers. */
export async function unusedReferralCode(tx: WriteTx, accountId: string): Promise<string> {
  for (;;) {
    const code = generateReferralCode();
    if (!(await isReferralCodeTaken(tx.sql, accountId, code))) return code;
  }
}
