import type { Selectable } from 'kysely';
import type { Db, ProfileHistoryTable } from '../../db/database.js';
import { readJson } from '../../db/database.js';
import type { Dialect, RowColumn } from '../../db/dialect.js';
import { insertRows } from '../../db/sql-lists.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { ProfileState } from '../profiles/index.js';
import type {
  FieldChange,
  HistoryEntry,
  HistoryOperation,
  HistoryRecord,
  RecordedProtection,
} from './history.types.js';
import { diffProfiles } from '../profiles/index.js';
import { copyState, fieldValue, isStateField, setFieldValue } from '../profiles/index.js';

/**
 * A profile's entries form a chain: the profile row names its newest entry (history_head), each
 * entry the one before it (prev_id). Walking it goes by primary key, so the table needs no index
 * of its own — on the embedded store an index on (profile, id) cost every write as much again as
 * the rest of the entry, since each write lands on a random page of it.
 */
const HISTORY_COLUMNS =
  'account_id, gameball_id, at, operation, customer_id, request_id, changes, related_gameball_id, prev_id';

/**
 * Entries are reverse deltas: the profile row is the newest state, and an entry stores the value
 * each field had *before* it, as [field, before]. What a field became is read back from the
 * profile and the entries after it (explainChain), so a write stores each value once — in the
 * profile — and a new profile's entry stores no values at all, only the marker NEW_PROFILE.
 * Fields that are not the profile's (customerIds) keep [field, before, after], as do entries
 * written before this format. Every write of a profile writes an entry, so its size is a share
 * of the write path's cost (docs/performance.md "What profile history costs").
 */
const NEW_PROFILE = 'new';
type StoredChange = [field: string, before: unknown, after?: unknown];

function packChanges(record: HistoryRecord): string {
  const items = record.changes.map((c): StoredChange =>
    isStateField(c.field) && !record.newProfile ? [c.field, c.before] : [c.field, c.before, c.after],
  );
  // Protections and how a merge went ride as one object after the changes (older entries have none).
  const all: unknown[] = record.newProfile ? [NEW_PROFILE, ...items] : items;
  if (record.protections?.length || record.mergedBy)
    all.push({
      ...(record.protections?.length && { protections: record.protections }),
      ...(record.mergedBy && { mergedBy: record.mergedBy }),
    });
  return JSON.stringify(all);
}

/**
 * The INSERT of one entry, without RETURNING (SqlRunner.insert answers its id). `gameballFrom`
 * names a CTE to take the gameball_id from and `idFrom` one holding the id to use (a create on
 * PostgreSQL).
 */
export function insertHistoryText(dialect: Dialect, from?: { gameballFrom: string; idFrom: string }): string {
  const values = `?, ${from ? 'gameball_id' : '?'}, ?${dialect.cast('timestamp')}, ?, ?, ?, ?, ?, ?`;
  return from
    ? `insert into profile_history (id, ${HISTORY_COLUMNS}) select (select id from ${from.idFrom}), ${values} from ${from.gameballFrom}`
    : `insert into profile_history (${HISTORY_COLUMNS}) values (${values})`;
}

/** The parameters of insertHistoryText, in order; no `gameballId`: it comes from a CTE. */
export function historyValues(record: HistoryRecord, gameballId: number | undefined, prevId: number | null): unknown[] {
  const values: unknown[] = [record.accountId];
  if (gameballId !== undefined) values.push(gameballId);
  values.push(
    record.at,
    record.operation,
    record.customerId,
    record.requestId ?? null,
    packChanges(record),
    record.relatedGameballId,
    prevId,
  );
  return values;
}

const HISTORY_ROW: readonly RowColumn[] = [
  { name: 'id', kind: 'id' },
  { name: 'account_id', kind: 'text' },
  { name: 'gameball_id', kind: 'id' },
  { name: 'at', kind: 'timestamp' },
  { name: 'operation', kind: 'text' },
  { name: 'customer_id', kind: 'text' },
  { name: 'request_id', kind: 'text' },
  { name: 'changes', kind: 'text' },
  { name: 'related_gameball_id', kind: 'id' },
  { name: 'prev_id', kind: 'id' },
];

/** Entries with ids the caller reserved (Dialect.reserveIds on `profile_history`), a few statements for all. */
export async function insertHistoryRows(
  sql: SqlRunner,
  dialect: Dialect,
  entries: ReadonlyArray<{ id: number; record: HistoryRecord; gameballId: number; prevId: number | null }>,
): Promise<void> {
  const rows = entries.map(({ id, record, gameballId, prevId }) => [id, ...historyValues(record, gameballId, prevId)]);
  await insertRows(sql, dialect, 'profile_history', HISTORY_ROW, rows);
}

/** One text per dialect: the statement cache is keyed by it, and a fresh string would be hashed anew each time. */
const insertTexts = new Map<string, string>();

/** Inserts an entry of profile `gameballId` after `prevId` and answers its id; the caller points the profile at it. */
export async function insertHistory(
  sql: SqlRunner,
  dialect: Dialect,
  record: HistoryRecord,
  gameballId: number,
  prevId: number | null,
): Promise<number> {
  let text = insertTexts.get(dialect.name);
  if (text === undefined) insertTexts.set(dialect.name, (text = insertHistoryText(dialect)));
  return sql.insert(text, historyValues(record, gameballId, prevId));
}

const ENTRY_COLUMNS = 'id, at, operation, customer_id, request_id, changes, related_gameball_id';

/**
 * A profile's chain from the entry `head` (the one its row named when it was read, so a write
 * committed since cannot slip in), until `limit` entries older than the cursor have been seen:
 * the entries newer than the cursor are read too, as what those entries' fields became is known
 * only by walking back from the profile. Exported for the test that holds it to its plan.
 */
export const CHAIN_FROM =
  'with recursive chain(id, n) as (' +
  'select id, case when id < ? then 1 else 0 end from profile_history where id = ? and gameball_id = ? and account_id = ? union all ' +
  'select h.prev_id, c.n + case when h.prev_id < ? then 1 else 0 end from profile_history h join chain c on h.id = c.id where h.account_id = ? and h.prev_id is not null and c.n < ?' +
  `) select ${ENTRY_COLUMNS} from profile_history where account_id = ? and id in (select id from chain) order by id desc`;
const CHAIN_FROM_HEAD =
  'with recursive chain(id) as (select id from profile_history where id = ? and gameball_id = ? and account_id = ? ' +
  'union all select h.prev_id from profile_history h join chain c on h.id = c.id where h.account_id = ? and h.prev_id is not null) ';
const ERASE_CHAIN = `${CHAIN_FROM_HEAD}delete from profile_history where account_id = ? and id in (select id from chain)`;

/** An entry as ENTRY_COLUMNS reads it. */
type HistoryRow = Pick<
  Selectable<ProfileHistoryTable>,
  'id' | 'at' | 'operation' | 'customer_id' | 'request_id' | 'changes' | 'related_gameball_id'
>;

/**
 * Tells each entry's changes, newest first, walking back from the profile as it is: a field's
 * value after an entry is its value before the next entry that changed it, or its value now.
 */
function explainChain(current: ProfileState, rows: readonly HistoryRow[]): HistoryEntry[] {
  const state = copyState(current);
  return rows.map((row) => {
    const stored = readJson<unknown[]>(row.changes, []);
    const isNew = stored[0] === NEW_PROFILE;
    const last = stored.at(-1);
    const extra = isExtraItem(last) ? last : undefined;
    const items = stored.slice(isNew ? 1 : 0, extra ? -1 : undefined) as StoredChange[];
    const changes: FieldChange[] = items.map(([field, before, ...after]) => ({
      field,
      before,
      after: after.length > 0 ? after[0] : fieldValue(state, field),
    }));
    if (isNew) changes.unshift(...diffProfiles(undefined, state));
    else for (const [field, before] of items) if (isStateField(field)) setFieldValue(state, field, before);
    return {
      id: Number(row.id),
      at: row.at,
      operation: row.operation as HistoryOperation,
      customerId: row.customer_id,
      requestId: row.request_id,
      changes,
      relatedGameballId: row.related_gameball_id === null ? null : Number(row.related_gameball_id),
      ...(extra?.protections && { protections: extra.protections }),
      ...(extra?.mergedBy && { mergedBy: extra.mergedBy }),
      ...(isNew && { newProfile: true as const }),
    };
  });
}

const isExtraItem = (
  item: unknown,
): item is { protections?: RecordedProtection[]; mergedBy?: { kind: string; value: string } } =>
  typeof item === 'object' && item !== null && !Array.isArray(item);

/** A profile as read, with the newest entry its row named. */
export type ProfileAsRead = ProfileState & { gameballId: number; accountId: string; historyHead: number | null };

/** One profile's entries, newest first, after the `startAfter` entry (0: from the newest). */
export async function listHistory(
  sql: SqlRunner,
  profile: ProfileAsRead,
  startAfter: number,
  limit: number,
): Promise<HistoryEntry[]> {
  if (profile.historyHead === null) return [];
  const cursor = startAfter > 0 ? startAfter : Number.MAX_SAFE_INTEGER;
  const rows = await sql.all<HistoryRow>(CHAIN_FROM, [
    cursor,
    profile.historyHead,
    profile.gameballId,
    profile.accountId,
    cursor,
    profile.accountId,
    limit,
    profile.accountId,
  ]);
  return explainChain(profile, rows).filter((entry) => entry.id < cursor);
}

/** Past any profile's length: a whole chain (entries older than the retention are gone anyway). */
const WHOLE = 1_000_000_000;

/** A profile's whole history, oldest first (unmerge rebuilds from it; export shows it). */
export async function readWholeHistory(sql: SqlRunner, profile: ProfileAsRead): Promise<HistoryEntry[]> {
  return (await listHistory(sql, profile, 0, WHOLE)).reverse();
}

/** A deleted profile's history goes, personal data and all, in one statement; the caller then records the delete. */
export async function eraseHistory(sql: SqlRunner, profile: Omit<ProfileAsRead, keyof ProfileState>): Promise<void> {
  const { accountId } = profile;
  await sql.run(ERASE_CHAIN, [profile.historyHead, profile.gameballId, accountId, accountId, accountId]);
}

/** The entry that records a delete: its profile is gone, so it stands alone. */
export async function insertDeleteEntry(sql: SqlRunner, dialect: Dialect, record: HistoryRecord): Promise<void> {
  await insertHistory(sql, dialect, record, record.gameballId!, null);
}

/**
 * Deletes entries older than `before` (ISO time) among the `limit` lowest ids; returns how many
 * went. Ids grow in the order entries are written, so the oldest entries are the lowest ids and
 * a look at them is a short walk of the primary key, not a scan (an index on time would cost
 * every write an update). Entries of transactions that committed out of order by a few
 * milliseconds are caught by a later round. A profile's chain then ends where its entries do.
 */
export async function purgeHistoryBefore(db: Db, before: string, limit: number): Promise<number> {
  const oldest = db.selectFrom('profile_history').select(['id', 'at']).orderBy('id').limit(limit).as('oldest');
  const due = db.selectFrom(oldest).select('oldest.id').where('oldest.at', '<', before);
  const result = await db.deleteFrom('profile_history').where('id', 'in', due).executeTakeFirst();
  return Number(result.numDeletedRows);
}
