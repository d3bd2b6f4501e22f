import type { Db } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';

export type ReferralStatus = 'Pending' | 'Active';

export interface Referral {
  id: number;
  referrerGameballId: number;
  refereeGameballId: number;
  status: ReferralStatus;
}

/** The SQL of referrals (referral codes are a column of the profile: the customers module). The write path's statements run prepared (SqlRunner). */

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

export async function findReferralOfReferee(
  sql: SqlRunner,
  accountId: string,
  refereeGameballId: number,
): Promise<Referral | undefined> {
  const row = await sql.get<{
    id: number;
    referrer_gameball_id: number;
    referee_gameball_id: number;
    status: ReferralStatus;
  }>(
    'select id, referrer_gameball_id, referee_gameball_id, status from referrals where account_id = ? and referee_gameball_id = ?',
    [accountId, refereeGameballId],
  );
  return (
    row && {
      id: Number(row.id),
      referrerGameballId: Number(row.referrer_gameball_id),
      refereeGameballId: Number(row.referee_gameball_id),
      status: row.status,
    }
  );
}

export async function markReferralActive(sql: SqlRunner, accountId: string, id: number, now: string): Promise<void> {
  await sql.run(
    "update referrals set status = 'Active', completed_at = ? where account_id = ? and id = ? and status = 'Pending'",
    [now, accountId, id],
  );
}

/** A referral as a listing shows it: the other profile (the friend, or the referrer) and its state. */
export interface ReferralLink {
  gameballId: number;
  status: ReferralStatus;
  createdAt: string;
  completedAt: string | null;
}

/** One page of a referrer's friends, ordered by the friend's gameballId (the cursor). */
export async function listFriendsOf(
  db: Db,
  accountId: string,
  referrerGameballId: number,
  startAfter: number,
  limit: number,
): Promise<ReferralLink[]> {
  const rows = await db
    .selectFrom('referrals')
    .select(['referee_gameball_id', 'status', 'created_at', 'completed_at'])
    .where('account_id', '=', accountId)
    .where('referrer_gameball_id', '=', referrerGameballId)
    .where('referee_gameball_id', '>', startAfter)
    .orderBy('referee_gameball_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    gameballId: Number(row.referee_gameball_id),
    status: row.status,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  }));
}

/** Both sides of a profile's referrals, for its export: who referred it, and every friend in the order referred. */
export async function referralsOfProfile(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
): Promise<{ referredBy: ReferralLink | undefined; friends: ReferralLink[] }> {
  type Row = { gameball_id: number; status: ReferralStatus; created_at: string; completed_at: string | null };
  const toLink = (row: Row): ReferralLink => ({
    gameballId: Number(row.gameball_id),
    status: row.status,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  });
  const by = await sql.get<Row>(
    'select referrer_gameball_id as gameball_id, status, created_at, completed_at from referrals where account_id = ? and referee_gameball_id = ?',
    [accountId, gameballId],
  );
  const friends = await sql.all<Row>(
    'select referee_gameball_id as gameball_id, status, created_at, completed_at from referrals where account_id = ? and referrer_gameball_id = ? order by id',
    [accountId, gameballId],
  );
  return { referredBy: by && toLink(by), friends: friends.map(toLink) };
}

export async function countReferralsByStatus(
  db: Db,
  accountId: string,
  referrerGameballId: number,
): Promise<Record<ReferralStatus, number>> {
  const rows = await db
    .selectFrom('referrals')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('account_id', '=', accountId)
    .where('referrer_gameball_id', '=', referrerGameballId)
    .groupBy('status')
    .execute();
  const counts: Record<ReferralStatus, number> = { Pending: 0, Active: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/**
 * An explicit merge: the other profile's referrals become the survivor's. A referral between the
 * two goes (no one refers themselves); the survivor keeps its own referrer if it has one.
 */
export async function moveReferrals(sql: SqlRunner, accountId: string, from: number, to: number): Promise<void> {
  await sql.run(
    'delete from referrals where account_id = ? and ((referrer_gameball_id = ? and referee_gameball_id = ?) or (referrer_gameball_id = ? and referee_gameball_id = ?))',
    [accountId, from, to, to, from],
  );
  await sql.run('update referrals set referrer_gameball_id = ? where account_id = ? and referrer_gameball_id = ?', [
    to,
    accountId,
    from,
  ]);
  await sql.run(
    'update referrals set referee_gameball_id = ? where account_id = ? and referee_gameball_id = ? and not exists (select 1 from referrals r where r.account_id = ? and r.referee_gameball_id = ?)',
    [to, accountId, from, accountId, to],
  );
}
