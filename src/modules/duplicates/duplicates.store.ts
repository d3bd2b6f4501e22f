import type { Selectable } from 'kysely';
import type { Db, DuplicateSuggestionsTable, SuggestionStatus } from '../../db/database.js';
import { readJson } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { deleteWhereIn, inChunks, placeholders } from '../../db/sql-lists.js';

/** The newest profiles a blocking key yields: a block as common as a popular name stays bounded. */
export const PER_KEY = 20;
/** Keys per candidate query (SQLite allows 500 terms in a compound select). */
const KEYS_PER_QUERY = 200;

/** Replaces the profiles' blocking keys with these (docs/duplicates.md). */
export async function replaceKeys(
  sql: SqlRunner,
  accountId: string,
  keysByProfile: ReadonlyMap<number, readonly string[]>,
): Promise<void> {
  await deleteKeysOf(sql, [...keysByProfile.keys()]);
  const rows = [...keysByProfile].flatMap(([id, keys]) => [...new Set(keys)].map((key) => [accountId, key, id]));
  for (const chunk of inChunks(rows, 300))
    await sql.run(
      `insert into duplicate_keys (account_id, key, gameball_id) values ${placeholders(chunk.length, '(?, ?, ?)')}`,
      chunk.flat(),
    );
}

/** The profiles sharing each key (the newest PER_KEY of each), by the primary key's range. */
export async function profilesByKeys(
  sql: SqlRunner,
  accountId: string,
  keys: readonly string[],
): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  const unique = [...new Set(keys)];
  for (const chunk of inChunks(unique, KEYS_PER_QUERY)) {
    const text = chunk
      .map(
        (_, n) =>
          `select * from (select key, gameball_id from duplicate_keys where account_id = ? and key = ? order by gameball_id desc limit ${PER_KEY}) k${n}`,
      )
      .join(' union all ');
    const rows = await sql.all<{ key: string; gameball_id: number }>(
      text,
      chunk.flatMap((key) => [accountId, key]),
    );
    for (const row of rows) {
      const list = found.get(row.key) ?? [];
      list.push(Number(row.gameball_id));
      found.set(row.key, list);
    }
  }
  return found;
}

export interface Suggestion {
  id: number;
  accountId: string;
  /** The pair, lower gameballId first. */
  gameballIds: [number, number];
  score: number;
  features: string[];
  matched: string;
  status: SuggestionStatus;
  createdAt: string;
  updatedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

type SuggestionRow = Selectable<DuplicateSuggestionsTable>;

const toSuggestion = (row: SuggestionRow): Suggestion => ({
  id: Number(row.id),
  accountId: row.account_id,
  gameballIds: [Number(row.gameball_id), Number(row.other_gameball_id)],
  score: Number(row.score),
  features: readJson<string[]>(row.features, []),
  matched: row.matched,
  status: row.status,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  decidedAt: row.decided_at,
  decidedBy: row.decided_by,
});

const SUGGESTION_COLUMNS =
  'id, account_id, gameball_id, other_gameball_id, score, features, matched, status, created_at, updated_at, decided_at, decided_by';

/** Every suggestion naming one of these profiles, on either side. */
export async function suggestionsOf(sql: SqlRunner, accountId: string, ids: readonly number[]): Promise<Suggestion[]> {
  const result: Suggestion[] = [];
  for (const chunk of inChunks(ids, 250)) {
    const marks = placeholders(chunk.length);
    const rows = await sql.all<SuggestionRow>(
      `select ${SUGGESTION_COLUMNS} from duplicate_suggestions where account_id = ? and gameball_id in (${marks}) union ` +
        `select ${SUGGESTION_COLUMNS} from duplicate_suggestions where account_id = ? and other_gameball_id in (${marks})`,
      [accountId, ...chunk, accountId, ...chunk],
    );
    result.push(...rows.map(toSuggestion));
  }
  return [...new Map(result.map((s) => [s.id, s])).values()];
}

export interface ScoredPair {
  gameballIds: [number, number];
  score: number;
  features: string[];
  matched: string;
}

/** New open suggestions, a hundred a statement; a pair already there (another node scored it first) is left as it is. */
export async function insertSuggestions(
  sql: SqlRunner,
  accountId: string,
  pairs: readonly ScoredPair[],
  now: string,
): Promise<void> {
  for (const chunk of inChunks(pairs, 100)) {
    await sql.run(
      'insert into duplicate_suggestions (account_id, gameball_id, other_gameball_id, score, features, matched, status, created_at, updated_at) ' +
        `values ${placeholders(chunk.length, "(?, ?, ?, ?, ?, ?, 'open', ?, ?)")} on conflict (account_id, gameball_id, other_gameball_id) do nothing`,
      chunk.flatMap((pair) => [
        accountId,
        ...pair.gameballIds,
        pair.score,
        JSON.stringify(pair.features),
        pair.matched,
        now,
        now,
      ]),
    );
  }
}

/** Rescored: the score and features now; `reopen` a dismissed pair whose matched values changed. */
export async function rescoreSuggestion(
  sql: SqlRunner,
  id: number,
  pair: ScoredPair,
  now: string,
  reopen: boolean,
): Promise<void> {
  await sql.run(
    `update duplicate_suggestions set score = ?, features = ?, matched = ?, updated_at = ?${reopen ? ", status = 'open', decided_at = null, decided_by = null" : ''} where id = ?`,
    [pair.score, JSON.stringify(pair.features), pair.matched, now, id],
  );
}

export async function deleteSuggestions(sql: SqlRunner, ids: readonly number[]): Promise<void> {
  await deleteWhereIn(sql, 'duplicate_suggestions', 'id', ids);
}

/** A decision: merged or dismissed, when and by whom. */
export async function decideSuggestion(
  sql: SqlRunner,
  accountId: string,
  id: number,
  status: Exclude<SuggestionStatus, 'open'>,
  at: string,
  by: string,
): Promise<void> {
  await sql.run(
    'update duplicate_suggestions set status = ?, decided_at = ?, decided_by = ?, updated_at = ? where account_id = ? and id = ?',
    [status, at, by, at, accountId, id],
  );
}

/** A profile that is gone takes its keys with it. */
export async function deleteKeysOf(sql: SqlRunner, ids: readonly number[]): Promise<void> {
  await deleteWhereIn(sql, 'duplicate_keys', 'gameball_id', ids);
}

export async function findSuggestion(db: Db, accountId: string, id: number): Promise<Suggestion | undefined> {
  const row = await db
    .selectFrom('duplicate_suggestions')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toSuggestion(row);
}

export interface SuggestionFilter {
  status: SuggestionStatus;
  minScore: number;
  startAfter: number;
  limit: number;
}

/** A page of the account's suggestions in id order (the queue's index). */
export async function listSuggestions(db: Db, accountId: string, filter: SuggestionFilter): Promise<Suggestion[]> {
  const rows = await db
    .selectFrom('duplicate_suggestions')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '=', filter.status)
    .where('id', '>', filter.startAfter)
    .where('score', '>=', filter.minScore)
    .orderBy('id')
    .limit(filter.limit)
    .execute();
  return rows.map(toSuggestion);
}
