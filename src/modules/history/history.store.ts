import type { Db } from '../../db/database.js';
import { readJson } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { FieldChange, HistoryEntry, HistoryOperation, HistoryRecord } from './history.types.js';

/**
 * A profile's entries form a chain: the profile row names its newest entry (history_head), each
 * entry the one before it (prev_id). Walking it goes by primary key, so the table needs no index
 * of its own — on the embedded store an index on (profile, id) cost every write as much again as
 * the rest of the entry, since each write lands on a random page of it.
 */
const HISTORY_COLUMNS = 'account_id, gameball_id, at, operation, customer_id, request_id, changes, related_gameball_id, prev_id';

/**
 * Stored compactly, as [field, before, after] triples: every write of a profile writes one, so
 * its size is a share of the write path's cost.
 */
function packChanges(changes: readonly FieldChange[]): string {
  return JSON.stringify(changes.map((c) => [c.field, c.before, c.after]));
}

function unpackChanges(stored: unknown): FieldChange[] {
  return readJson<Array<[string, unknown, unknown]>>(stored, []).map(([field, before, after]) => ({ field, before, after }));
}

/**
 * The INSERT of one entry, answering its id. `gameballFrom` names a CTE to take the gameball_id
 * from and `idFrom` one holding the id to use (a create on PostgreSQL).
 */
export function insertHistoryText(dialect: Dialect, from?: { gameballFrom: string; idFrom: string }): string {
  const values = `?, ${from ? 'gameball_id' : '?'}, ?${dialect.cast('timestamp')}, ?, ?, ?, ?, ?, ?`;
  return from
    ? `insert into profile_history (id, ${HISTORY_COLUMNS}) select (select id from ${from.idFrom}), ${values} from ${from.gameballFrom}`
    : `insert into profile_history (${HISTORY_COLUMNS}) values (${values}) returning id`;
}

/** The parameters of insertHistoryText, in order (without the gameball_id when it comes from a CTE). */
export function historyValues(record: HistoryRecord, withGameballId: boolean, prevId: number | null): unknown[] {
  const rest = [record.at, record.operation, record.customerId, record.requestId ?? null, packChanges(record.changes), record.relatedGameballId, prevId];
  return withGameballId ? [record.accountId, record.gameballId, ...rest] : [record.accountId, ...rest];
}

/** One text per dialect: the statement cache is keyed by it, and a fresh string would be hashed anew each time. */
const insertTexts = new Map<string, string>();

/** Inserts an entry after `prevId` and answers its id; the caller points the profile at it. */
export async function insertHistory(sql: SqlRunner, dialect: Dialect, record: HistoryRecord, prevId: number | null): Promise<number> {
  let text = insertTexts.get(dialect.name);
  if (text === undefined) insertTexts.set(dialect.name, (text = insertHistoryText(dialect)));
  const row = await sql.get<{ id: number }>(text, historyValues(record, true, prevId));
  return Number(row!.id);
}

/** Makes `head` the profile's newest entry. */
export async function pointProfileAt(sql: SqlRunner, gameballId: number, head: number): Promise<void> {
  await sql.run('update profiles set history_head = ? where gameball_id = ?', [head, gameballId]);
}

/** An entry added to a profile outside its write statement (unmerge): inserted, then the profile points at it. */
export async function appendHistory(sql: SqlRunner, dialect: Dialect, record: HistoryRecord & { gameballId: number }, head: number | null): Promise<void> {
  await pointProfileAt(sql, record.gameballId, await insertHistory(sql, dialect, record, head));
}

const ENTRY_COLUMNS = 'id, at, operation, customer_id, request_id, changes, related_gameball_id';

/** Up to `limit` entries of the chain that starts at the entry chosen by `start` (newest first). */
const chainText = (start: string) =>
  'with recursive chain(id, n) as (' +
  `select ${start}, 1 union all ` +
  'select h.prev_id, c.n + 1 from profile_history h join chain c on h.id = c.id where h.prev_id is not null and c.n < ?' +
  `) select ${ENTRY_COLUMNS} from profile_history where id in (select id from chain) order by id desc`;

/** Exported for the test that holds the read to its plan. */
export const FROM_HEAD = chainText('(select history_head from profiles where gameball_id = ? and account_id = ?)');
const CHAIN_FROM_HEAD =
  'with recursive chain(id) as (select history_head from profiles where gameball_id = ? and account_id = ? ' +
  'union all select h.prev_id from profile_history h join chain c on h.id = c.id where h.prev_id is not null) ';
const ERASE_CHAIN = `${CHAIN_FROM_HEAD}delete from profile_history where id in (select id from chain)`;

/** After a cursor: the entry before it, if the cursor is an entry of this profile. */
const AFTER_CURSOR = chainText('(select prev_id from profile_history where id = ? and gameball_id = ? and account_id = ?)');

interface HistoryRow {
  id: number;
  at: string;
  operation: string;
  customer_id: string;
  request_id: string | null;
  changes: unknown;
  related_gameball_id: number | null;
}

const toEntry = (row: HistoryRow): HistoryEntry => ({
  id: Number(row.id),
  at: row.at,
  operation: row.operation as HistoryOperation,
  customerId: row.customer_id,
  requestId: row.request_id,
  changes: unpackChanges(row.changes),
  relatedGameballId: row.related_gameball_id === null ? null : Number(row.related_gameball_id),
});

/** One profile's entries, newest first, after the `startAfter` entry (0: from the newest). */
export async function listHistory(sql: SqlRunner, accountId: string, gameballId: number, startAfter: number, limit: number): Promise<HistoryEntry[]> {
  const rows = startAfter > 0
    ? await sql.all<HistoryRow>(AFTER_CURSOR, [startAfter, gameballId, accountId, limit])
    : await sql.all<HistoryRow>(FROM_HEAD, [gameballId, accountId, limit]);
  return rows.map(toEntry);
}

/** Past any profile's length: a whole chain (entries older than the retention are gone anyway). */
const WHOLE = 1_000_000_000;

/** A profile's whole history, oldest first (unmerge rebuilds from it; export shows it). */
export async function readWholeHistory(sql: SqlRunner, accountId: string, gameballId: number): Promise<HistoryEntry[]> {
  return (await listHistory(sql, accountId, gameballId, 0, WHOLE)).reverse();
}

/** A deleted profile's history goes, personal data and all, in one statement; the caller then records the delete. */
export async function eraseHistory(sql: SqlRunner, accountId: string, gameballId: number): Promise<void> {
  await sql.run(ERASE_CHAIN, [gameballId, accountId]);
}

/** The entry that records a delete: its profile is gone, so it stands alone. */
export async function insertDeleteEntry(sql: SqlRunner, dialect: Dialect, record: HistoryRecord): Promise<void> {
  await insertHistory(sql, dialect, record, null);
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
