import type { Selectable } from 'kysely';
import { type Db, readJson, type RetiredProfilesTable } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { eraseHistory, type HistoryEntry, readWholeHistory } from '../history/index.js';
import { copyState, type Profile, type ProfileState } from '../profiles/index.js';
import { deleteProfile } from './customers.store.js';

/** A profile an explicit merge retired, as it was then (docs/identity.md "Explicit merge"). */
export interface RetiredProfile extends ProfileState {
  gameballId: number;
  accountId: string;
  retiredInto: number;
  retiredAt: string;
  historyHead: number | null;
}

type RetiredRow = Selectable<RetiredProfilesTable>;

const toRetired = (row: RetiredRow): RetiredProfile => ({
  ...readJson<ProfileState>(row.state, {} as ProfileState),
  gameballId: Number(row.gameball_id),
  accountId: row.account_id,
  retiredInto: Number(row.retired_into),
  retiredAt: row.retired_at,
  historyHead: row.history_head === null ? null : Number(row.history_head),
});

/**
 * Keeps the profile's last state and history head, then removes its row (its customerIds have
 * moved on): its gameballId is never reused, and its chain stays readable from the state.
 */
export async function retireProfile(
  sql: SqlRunner,
  profile: Profile,
  into: number,
  at: string,
  historyHead: number | null,
): Promise<void> {
  await sql.run(
    'insert into retired_profiles (gameball_id, account_id, retired_into, retired_at, state, history_head) values (?, ?, ?, ?, ?, ?)',
    [profile.gameballId, profile.accountId, into, at, JSON.stringify(copyState(profile)), historyHead],
  );
  await deleteProfile(sql, profile.accountId, profile.gameballId);
}

const COLUMNS = 'gameball_id, account_id, retired_into, retired_at, state, history_head';

/** Every profile retired into this one, directly or into one that was retired into it, oldest first. */
export async function retiredInto(sql: SqlRunner, accountId: string, gameballId: number): Promise<RetiredProfile[]> {
  const rows = await sql.all<RetiredRow>(
    'with recursive absorbed(gameball_id) as (' +
      'select gameball_id from retired_profiles where account_id = ? and retired_into = ? union all ' +
      'select r.gameball_id from retired_profiles r join absorbed a on r.retired_into = a.gameball_id where r.account_id = ?' +
      `) select ${COLUMNS} from retired_profiles where account_id = ? and gameball_id in (select gameball_id from absorbed) order by gameball_id`,
    [accountId, gameballId, accountId, accountId],
  );
  return rows.map(toRetired);
}

export interface RetiredWithHistory extends RetiredProfile {
  /** Oldest first, ending with the entry of the merge that retired it. */
  history: HistoryEntry[];
}

/** The profiles retired into this one (retiredInto) with their histories: unmerge and export read them. */
export async function retiredWithHistories(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
): Promise<RetiredWithHistory[]> {
  const retired = await retiredInto(sql, accountId, gameballId);
  const result: RetiredWithHistory[] = [];
  for (const profile of retired) result.push({ ...profile, history: await readWholeHistory(sql, profile) });
  return result;
}

/** Erasure of the survivor: the retired profiles' states and histories go with it. */
export async function eraseRetired(sql: SqlRunner, retired: readonly RetiredProfile[]): Promise<void> {
  for (const profile of retired) {
    await eraseHistory(sql, profile);
    await sql.run('delete from retired_profiles where account_id = ? and gameball_id = ?', [
      profile.accountId,
      profile.gameballId,
    ]);
  }
}

/** The profile each of these was retired into, for those an explicit merge retired. */
export async function retiredTargets(
  db: Db,
  accountId: string,
  gameballIds: readonly number[],
): Promise<Map<number, number>> {
  if (gameballIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('retired_profiles')
    .select(['gameball_id', 'retired_into'])
    .where('account_id', '=', accountId)
    .where('gameball_id', 'in', [...gameballIds])
    .execute();
  return new Map(rows.map((r) => [Number(r.gameball_id), Number(r.retired_into)]));
}
