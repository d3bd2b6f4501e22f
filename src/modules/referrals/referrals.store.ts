import type { Db } from '../../db/database.js';

export type ReferralStatus = 'Pending' | 'Active';

export interface Referral {
  id: number;
  referrerGameballId: number;
  refereeGameballId: number;
  status: ReferralStatus;
}

export async function insertReferral(
  db: Db,
  referral: { accountId: string; referrerGameballId: number; refereeGameballId: number; status: ReferralStatus; now: string },
): Promise<void> {
  await db
    .insertInto('referrals')
    .values({
      account_id: referral.accountId,
      referrer_gameball_id: referral.referrerGameballId,
      referee_gameball_id: referral.refereeGameballId,
      status: referral.status,
      created_at: referral.now,
      completed_at: referral.status === 'Active' ? referral.now : null,
    })
    .execute();
}

export async function findReferralOfReferee(db: Db, refereeGameballId: number): Promise<Referral | undefined> {
  const row = await db
    .selectFrom('referrals')
    .select(['id', 'referrer_gameball_id', 'referee_gameball_id', 'status'])
    .where('referee_gameball_id', '=', refereeGameballId)
    .executeTakeFirst();
  return (
    row && {
      id: Number(row.id),
      referrerGameballId: Number(row.referrer_gameball_id),
      refereeGameballId: Number(row.referee_gameball_id),
      status: row.status,
    }
  );
}

export async function markReferralActive(db: Db, id: number, now: string): Promise<void> {
  await db.updateTable('referrals').set({ status: 'Active', completed_at: now }).where('id', '=', id).where('status', '=', 'Pending').execute();
}

export async function listReferralsOf(db: Db, referrerGameballId: number): Promise<Referral[]> {
  const rows = await db
    .selectFrom('referrals')
    .select(['id', 'referrer_gameball_id', 'referee_gameball_id', 'status'])
    .where('referrer_gameball_id', '=', referrerGameballId)
    .orderBy('referee_gameball_id')
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    referrerGameballId: Number(row.referrer_gameball_id),
    refereeGameballId: Number(row.referee_gameball_id),
    status: row.status,
  }));
}
