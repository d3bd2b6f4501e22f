import type { Db } from '../../db/database.js';
import { readJson } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { FieldChange, HistoryEntry, HistoryOperation, HistoryRecord } from './history.types.js';

const HISTORY_COLUMNS = 'account_id, gameball_id, at, operation, customer_id, request_id, changes, related_gameball_id';

/** The INSERT of one entry; `gameballFrom` names a CTE to take the gameball_id from (a create). */
export function insertHistoryText(dialect: Dialect, gameballFrom?: string): string {
  const values = `?, ${gameballFrom ? 'gameball_id' : '?'}, ?${dialect.cast('timestamp')}, ?, ?, ?, ?${dialect.cast('json')}, ?`;
  return gameballFrom
    ? `insert into profile_history (${HISTORY_COLUMNS}) select ${values} from ${gameballFrom}`
    : `insert into profile_history (${HISTORY_COLUMNS}) values (${values})`;
}

/** The parameters of insertHistoryText, in order (without the gameball_id when it comes from a CTE). */
export function historyValues(record: HistoryRecord, withGameballId: boolean): unknown[] {
  const rest = [record.at, record.operation, record.customerId, record.requestId ?? null, JSON.stringify(record.changes), record.relatedGameballId];
  return withGameballId ? [record.accountId, record.gameballId, ...rest] : [record.accountId, ...rest];
}

export async function insertHistory(sql: SqlRunner, dialect: Dialect, record: HistoryRecord): Promise<void> {
  await sql.run(insertHistoryText(dialect), historyValues(record, true));
}

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
  changes: readJson<FieldChange[]>(row.changes, []),
  relatedGameballId: row.related_gameball_id === null ? null : Number(row.related_gameball_id),
});

/** One profile's entries, newest first, below the `before` id (0: from the newest). */
export async function listHistory(db: Db, accountId: string, gameballId: number, before: number, limit: number): Promise<HistoryEntry[]> {
  let query = db
    .selectFrom('profile_history')
    .select(['id', 'at', 'operation', 'customer_id', 'request_id', 'changes', 'related_gameball_id'])
    .where('gameball_id', '=', gameballId)
    .where('account_id', '=', accountId);
  if (before > 0) query = query.where('id', '<', before);
  return (await query.orderBy('id', 'desc').limit(limit).execute()).map(toEntry);
}

/** A profile's whole history, oldest first, inside a write (unmerge rebuilds from it). */
export async function readWholeHistory(sql: SqlRunner, gameballId: number): Promise<HistoryEntry[]> {
  const rows = await sql.all<HistoryRow>(
    'select id, at, operation, customer_id, request_id, changes, related_gameball_id from profile_history where gameball_id = ? order by id',
    [gameballId],
  );
  return rows.map(toEntry);
}

/** A deleted profile's history goes, personal data and all; the caller then records the delete. */
export async function eraseHistory(sql: SqlRunner, gameballId: number): Promise<void> {
  await sql.run('delete from profile_history where gameball_id = ?', [gameballId]);
}

/** Entries older than `before` (ISO time); returns how many went. */
export async function purgeHistoryBefore(db: Db, before: string, limit: number): Promise<number> {
  const old = db.selectFrom('profile_history').select('id').where('at', '<', before).orderBy('at').limit(limit);
  const result = await db.deleteFrom('profile_history').where('id', 'in', old).executeTakeFirst();
  return Number(result.numDeletedRows);
}
