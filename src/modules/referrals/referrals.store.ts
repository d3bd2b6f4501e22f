import { readJson, type Db } from '../../db/database.js';

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

export interface ReferredFriendRow {
  gameballId: number;
  customerId: string | null;
  email: string | null;
  mobile: string | null;
  attributes: Record<string, unknown>;
  profileCreatedAt: string;
  status: ReferralStatus;
}

/**
 * One page of a referrer's friends, ordered by the friend's gameballId (the cursor). Each friend
 * is shown under its first customerId.
 */
export async function listReferredFriends(db: Db, referrerGameballId: number, startAfter: number, limit: number): Promise<ReferredFriendRow[]> {
  const rows = await db
    .selectFrom('referrals')
    .innerJoin('profiles', 'profiles.gameball_id', 'referrals.referee_gameball_id')
    .select((eb) => [
      'profiles.gameball_id',
      'profiles.email',
      'profiles.mobile',
      'profiles.attributes',
      'profiles.created_at',
      'referrals.status',
      eb
        .selectFrom('customer_ids')
        .select('customer_ids.customer_id')
        .whereRef('customer_ids.gameball_id', '=', 'profiles.gameball_id')
        .orderBy('customer_ids.created_at')
        .orderBy('customer_ids.customer_id')
        .limit(1)
        .as('customer_id'),
    ])
    .where('referrals.referrer_gameball_id', '=', referrerGameballId)
    .where('referrals.referee_gameball_id', '>', startAfter)
    .orderBy('referrals.referee_gameball_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    gameballId: Number(row.gameball_id),
    customerId: row.customer_id,
    email: row.email,
    mobile: row.mobile,
    attributes: readJson<Record<string, unknown>>(row.attributes, {}),
    profileCreatedAt: row.created_at,
    status: row.status,
  }));
}

export async function countReferralsByStatus(db: Db, referrerGameballId: number): Promise<Record<ReferralStatus, number>> {
  const rows = await db
    .selectFrom('referrals')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('referrer_gameball_id', '=', referrerGameballId)
    .groupBy('status')
    .execute();
  const counts: Record<ReferralStatus, number> = { Pending: 0, Active: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
