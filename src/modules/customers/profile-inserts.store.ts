import type { Dialect, RowColumn } from '../../db/dialect.js';
import { insertRows } from '../../db/sql-lists.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { insertHistoryRows, type HistoryRecord } from '../history/index.js';
import type { Profile } from '../profiles/index.js';
import { generateReferralCode } from '../referrals/index.js';
import { queueProfileChanges } from './profile-changes.store.js';
import { WRITTEN } from './profile-writes.store.js';

/**
 * New profiles of a chunk (a batch's or an import's), written set-wise: their ids are reserved
 * first, so each table gets one multi-row statement (on PostgreSQL a few round trips for the
 * whole chunk instead of one per profile, docs/performance.md "Bulk writes"). Every row is the
 * one insertNewProfile would write.
 */

export interface NewProfile {
  profile: Omit<Profile, 'gameballId' | 'historyHead'>;
  customerId: string;
  history: HistoryRecord | undefined;
  /** Queue it for possible-duplicate scoring (profile-changes.store.ts). */
  queue: boolean;
}

const PROFILE_ROW: readonly RowColumn[] = [
  { name: 'gameball_id', kind: 'id' },
  { name: 'account_id', kind: 'text' },
  ...WRITTEN.map((c): RowColumn => ({ name: c.column, kind: c.cast ?? 'text' })),
  { name: 'created_at', kind: 'timestamp' },
  { name: 'history_head', kind: 'id' },
];
const CUSTOMER_ID_ROW: readonly RowColumn[] = [
  { name: 'account_id', kind: 'text' },
  { name: 'customer_id', kind: 'text' },
  { name: 'gameball_id', kind: 'id' },
  { name: 'created_at', kind: 'timestamp' },
];

/** Codes among `codes` that a profile holds or a deleted profile held. */
async function takenCodes(sql: SqlRunner, dialect: Dialect, accountId: string, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await sql.all<{ code: string }>(
    `select referral_code as code from profiles where account_id = ? and ${dialect.inList('referral_code')} ` +
      `union all select code from retired_referral_codes where account_id = ? and ${dialect.inList('code')}`,
    [accountId, dialect.listParam(codes), accountId, dialect.listParam(codes)],
  );
  return new Set(rows.map((row) => row.code));
}

/** A fresh referral code for each profile that is not a guest's: none held, retired, or drawn twice. */
async function drawCodes(sql: SqlRunner, dialect: Dialect, accountId: string, items: readonly NewProfile[]) {
  const codes = items.map((item) => (item.profile.guest ? null : generateReferralCode()));
  for (;;) {
    const drawn = codes.filter((code): code is string => code !== null);
    const taken = await takenCodes(sql, dialect, accountId, drawn);
    const seen = new Set<string>();
    let redrawn = false;
    codes.forEach((code, i) => {
      if (code === null) return;
      // One chance in billions each: draw again and check the new ones.
      if (taken.has(code) || seen.has(code)) {
        codes[i] = generateReferralCode();
        redrawn = true;
      }
      seen.add(codes[i]!);
    });
    if (!redrawn) return codes;
  }
}

/** Inserts the chunk's new profiles with their first customerIds, history entries and queue rows; answers them as stored, in order. */
export async function insertNewProfiles(
  sql: SqlRunner,
  dialect: Dialect,
  items: readonly NewProfile[],
): Promise<Profile[]> {
  if (items.length === 0) return [];
  const accountId = items[0]!.profile.accountId;
  const codes = await drawCodes(sql, dialect, accountId, items);
  const gameballIds = await dialect.reserveIds(sql, 'profiles', 'gameball_id', items.length);
  const withHistory = items.filter((item) => item.history !== undefined).length;
  const historyIds = withHistory > 0 ? await dialect.reserveIds(sql, 'profile_history', 'id', withHistory) : [];
  let nextHistory = 0;
  const stored = items.map(({ profile, history }, i): Profile => {
    const historyHead = history ? historyIds[nextHistory++]! : null;
    return { ...profile, referralCode: codes[i] ?? profile.referralCode, gameballId: gameballIds[i]!, historyHead };
  });
  await insertRows(
    sql,
    dialect,
    'profiles',
    PROFILE_ROW,
    stored.map((p) => [p.gameballId, p.accountId, ...WRITTEN.map((c) => c.value(p)), p.createdAt, p.historyHead]),
  );
  await insertRows(
    sql,
    dialect,
    'customer_ids',
    CUSTOMER_ID_ROW,
    stored.map((p, i) => [p.accountId, items[i]!.customerId, p.gameballId, p.createdAt]),
  );
  const entries = stored.flatMap((p, i) => {
    const record = items[i]!.history;
    return record ? [{ id: p.historyHead!, record, gameballId: p.gameballId, prevId: null }] : [];
  });
  if (entries.length > 0) await insertHistoryRows(sql, dialect, entries);
  const queued = stored.filter((_, i) => items[i]!.queue);
  await queueProfileChanges(
    sql,
    dialect,
    queued.map((p) => ({ ...p, at: p.createdAt })),
  );
  return stored;
}
