import type { Store } from '../../db/connect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { Dialect, RowColumn } from '../../db/dialect.js';
import { deleteWhereIn, insertRows } from '../../db/sql-lists.js';
import type { AccountRecord } from '../accounts/index.js';
import { type FieldChange, IDENTITY_FIELDS } from '../profiles/index.js';

/**
 * The profiles to score for possible duplicates (docs/duplicates.md): a write that creates a profile,
 * merges into it, or changes one of its IDENTITY_FIELDS queues it here in its own transaction, like
 * the webhook outbox; an explicit merge, unmerge or delete queues the profiles it touched, gone ones
 * included (their suggestions close). The duplicates module's worker claims them.
 */
/** The queue row's INSERT (the profile's writer sends it beside the profile's own statement). */
export const QUEUE_ROW = 'insert into profile_changes (account_id, gameball_id, at) values (?, ?, ?)';

const QUEUE_COLUMNS: readonly RowColumn[] = [
  { name: 'account_id', kind: 'text' },
  { name: 'gameball_id', kind: 'id' },
  { name: 'at', kind: 'timestamp' },
];

/** Queues many profiles at once (a chunk's new profiles), in multi-row statements. */
export async function queueProfileChanges(
  sql: SqlRunner,
  dialect: Dialect,
  rows: ReadonlyArray<{ accountId: string; gameballId: number; at: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row) => [row.accountId, row.gameballId, row.at]);
  await insertRows(sql, dialect, 'profile_changes', QUEUE_COLUMNS, values);
}

/**
 * Queues a profile an explicit merge, unmerge or delete touched — whatever the account's setting:
 * the worker must close the suggestions of a profile that is gone and drop its blocking keys (they
 * hold parts of its email and mobile), even when the account stopped looking for duplicates.
 */
export async function queueProfileChange(
  sql: SqlRunner,
  account: AccountRecord,
  gameballId: number,
  at: string,
): Promise<void> {
  await sql.run(QUEUE_ROW, [account.id, gameballId, at]);
}

/** Whether a change to a profile (undefined: it is new) is one duplicates are scored on. */
export const changesIdentity = (changes: readonly FieldChange[] | undefined): boolean =>
  changes === undefined || changes.some((c) => IDENTITY_FIELDS.has(c.field));

export interface ClaimedChange {
  id: number;
  accountId: string;
  gameballId: number;
}

/**
 * Claims up to `limit` queued changes until `leaseUntil` (a node that dies mid-round loses its claim
 * when the lease runs out, and another node scores them). `accountId`: that account's only.
 */
export async function claimProfileChanges(
  store: Store,
  options: { now: string; leaseUntil: string; limit: number; accountId?: string },
): Promise<ClaimedChange[]> {
  return store.write(async ({ db }) => {
    let due = db
      .selectFrom('profile_changes')
      .select('id')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', options.now)]));
    if (options.accountId !== undefined) due = due.where('account_id', '=', options.accountId);
    const rows = await db
      .updateTable('profile_changes')
      .set({ claimed_until: options.leaseUntil })
      .where('id', 'in', store.dialect.claimable(due.orderBy('id').limit(options.limit)))
      .returning(['id', 'account_id', 'gameball_id'])
      .execute();
    return rows.map((r) => ({ id: Number(r.id), accountId: r.account_id, gameballId: Number(r.gameball_id) }));
  });
}

/** The claimed changes are scored: they leave the queue (in the transaction that wrote the scores). */
export async function finishProfileChanges(sql: SqlRunner, ids: readonly number[]): Promise<void> {
  await deleteWhereIn(sql, 'profile_changes', 'id', ids);
}

/** Every profile of the account, queued at once (`patron duplicates scan`); answers how many. */
export async function queueWholeAccount(store: Store, accountId: string, at: string): Promise<number> {
  return store.write(({ sql }) =>
    sql.run(
      'insert into profile_changes (account_id, gameball_id, at) select account_id, gameball_id, ? from profiles where account_id = ?',
      [at, accountId],
    ),
  );
}

/** How many changes of the account wait to be scored. */
export async function pendingProfileChanges(store: Store, accountId: string): Promise<number> {
  const row = await store.db
    .selectFrom('profile_changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The newest queued change's id (0: none ever): how fast writes queue profiles tells how busy the nodes are. */
export async function newestProfileChange(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('profile_changes')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}
