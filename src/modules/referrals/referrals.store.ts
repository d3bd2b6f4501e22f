import { readJson, type Db } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';

export type ReferralStatus = 'Pending' | 'Active';

export interface Referral {
  id: number;
  referrerGameballId: number;
  refereeGameballId: number;
  status: ReferralStatus;
}

/** The SQL of referral codes and referrals. The write path's statements run prepared (SqlRunner). */

export async function insertReferral(
  sql: SqlRunner,
  referral: {
    accountId: string;
    referrerGameballId: number;
    refereeGameballId: number;
    status: ReferralStatus;
    now: string;
  },
): Promise<void> {
  await sql.run(
    'insert into referrals (account_id, referrer_gameball_id, referee_gameball_id, status, created_at, completed_at) values (?, ?, ?, ?, ?, ?)',
    [
      referral.accountId,
      referral.referrerGameballId,
      referral.refereeGameballId,
      referral.status,
      referral.now,
      referral.status === 'Active' ? referral.now : null,
    ],
  );
}

export async function findReferralOfReferee(sql: SqlRunner, refereeGameballId: number): Promise<Referral | undefined> {
  const row = await sql.get<{
    id: number;
    referrer_gameball_id: number;
    referee_gameball_id: number;
    status: ReferralStatus;
  }>('select id, referrer_gameball_id, referee_gameball_id, status from referrals where referee_gameball_id = ?', [
    refereeGameballId,
  ]);
  return (
    row && {
      id: Number(row.id),
      referrerGameballId: Number(row.referrer_gameball_id),
      refereeGameballId: Number(row.referee_gameball_id),
      status: row.status,
    }
  );
}

export async function markReferralActive(sql: SqlRunner, id: number, now: string): Promise<void> {
  await sql.run("update referrals set status = 'Active', completed_at = ? where id = ? and status = 'Pending'", [
    now,
    id,
  ]);
}

export async function findProfileByReferralCode(
  sql: SqlRunner,
  accountId: string,
  code: string,
): Promise<{ gameballId: number; isActive: boolean } | undefined> {
  const row = await sql.get<{ gameball_id: number; is_active: unknown }>(
    'select gameball_id, is_active from profiles where account_id = ? and referral_code = ?',
    [accountId, code],
  );
  return row && { gameballId: Number(row.gameball_id), isActive: Boolean(row.is_active) };
}

export async function retireReferralCode(sql: SqlRunner, accountId: string, code: string, now: string): Promise<void> {
  await sql.run('insert into retired_referral_codes (account_id, code, retired_at) values (?, ?, ?)', [
    accountId,
    code,
    now,
  ]);
}

/** Whether a code is held by a profile or was held by a deleted one. */
export async function isReferralCodeTaken(sql: SqlRunner, accountId: string, code: string): Promise<boolean> {
  const held = await sql.get(
    'select 1 as taken from profiles where account_id = ? and referral_code = ? union all select 1 from retired_referral_codes where account_id = ? and code = ?',
    [accountId, code, accountId, code],
  );
  return held !== undefined;
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
export async function listReferredFriends(
  db: Db,
  referrerGameballId: number,
  startAfter: number,
  limit: number,
): Promise<ReferredFriendRow[]> {
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

export async function countReferralsByStatus(
  db: Db,
  referrerGameballId: number,
): Promise<Record<ReferralStatus, number>> {
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
