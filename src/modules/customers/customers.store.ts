import type { Selectable } from 'kysely';
import { type Db, readJson, type ProfilesTable } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { ClaimLookup, MergeKind } from '../identity/index.js';
import type { Profile, PushDevice } from '../profiles/index.js';
import { mergeKeyId } from '../identity/index.js';

/**
 * The SQL that finds customer profiles for the write path (by customerId, by merge key, locked),
 * and the smaller writes of identity: splits, customerIds leaving, deletes. The profile's own
 * writes are profile-writes.store.ts; listings' reads customer-reads.store.ts.
 */

/** A profile row as the drivers return it (toProfile evens out the dialects). */
type ProfileRow = Selectable<ProfilesTable>;

const COLUMNS: ReadonlyArray<keyof ProfilesTable> = [
  'gameball_id',
  'account_id',
  'email',
  'mobile',
  'email_key',
  'mobile_key',
  'attributes',
  'custom',
  'push_devices',
  'guest',
  'is_active',
  'referral_code',
  'is_referred',
  'tags',
  'created_at',
  'updated_at',
  'history_head',
];
const P_COLUMNS = COLUMNS.map((c) => `p.${c}`).join(', ');
/** How many customerIds a profile has: the merge cap is checked against it (an index range, in the same read). */
const ID_COUNT =
  '(select count(*) from customer_ids n where n.account_id = p.account_id and n.gameball_id = p.gameball_id) as customer_id_count';
type CountedRow = ProfileRow & { customer_id_count: number | string };

function toProfile(row: ProfileRow): Profile {
  return {
    gameballId: Number(row.gameball_id),
    accountId: row.account_id,
    email: row.email,
    mobile: row.mobile,
    emailKey: row.email_key,
    mobileKey: row.mobile_key,
    attributes: readJson<Record<string, unknown>>(row.attributes, {}),
    custom: readJson<Record<string, unknown>>(row.custom, {}),
    pushDevices: readJson<PushDevice[]>(row.push_devices, []),
    guest: Boolean(row.guest),
    isActive: Boolean(row.is_active),
    referralCode: row.referral_code,
    isReferred: Boolean(row.is_referred),
    tags: readJson<string[]>(row.tags, []),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    historyHead: row.history_head === null ? null : Number(row.history_head),
  };
}

interface Statements {
  manyByCustomerId: string;
  manyByKey: Record<MergeKind, string>;
  byCustomerId: string;
  byCustomerIdLocked: string;
  /** By the kinds of merge key carried: `email`, `mobile` or `email,mobile`. */
  resolve: Record<string, string>;
}

const statementsByDialect = new Map<string, Statements>();

function statements(dialect: Dialect): Statements {
  let texts = statementsByDialect.get(dialect.name);
  if (texts) return texts;
  const byCustomerId = `select ${P_COLUMNS} from customer_ids c join profiles p on p.gameball_id = c.gameball_id where c.account_id = ? and c.customer_id = ?`;
  // The profile a customerId reaches and those holding the merge keys, in one read: 0 to 3 rows.
  // Every lookup goes by index into one id list, then each profile by its key (an OR of them
  // would make PostgreSQL scan every profile).
  const resolve = (columns: string[]) =>
    `select ${P_COLUMNS}, ${ID_COUNT}, p.gameball_id in (select gameball_id from customer_ids where account_id = ? and customer_id = ?) as via_customer_id from profiles p ` +
    `where p.gameball_id in (select gameball_id from customer_ids where account_id = ? and customer_id = ?` +
    columns
      .map((column) => ` union all select gameball_id from profiles where account_id = ? and ${column} = ?`)
      .join('') +
    ')' +
    dialect.lockRows('p');
  texts = {
    manyByCustomerId:
      `select ${P_COLUMNS}, ${ID_COUNT}, c.customer_id as matched_customer_id from customer_ids c join profiles p on p.gameball_id = c.gameball_id ` +
      `where c.account_id = ? and ${dialect.inList('c.customer_id')}${dialect.lockRows('p')}`,
    manyByKey: {
      email: `select ${P_COLUMNS}, ${ID_COUNT} from profiles p where p.account_id = ? and ${dialect.inList('p.email_key')}${dialect.lockRows('p')}`,
      mobile: `select ${P_COLUMNS}, ${ID_COUNT} from profiles p where p.account_id = ? and ${dialect.inList('p.mobile_key')}${dialect.lockRows('p')}`,
    },
    byCustomerId,
    byCustomerIdLocked: byCustomerId + dialect.lockRows('p'),
    resolve: {
      email: resolve(['email_key']),
      mobile: resolve(['mobile_key']),
      'email,mobile': resolve(['email_key', 'mobile_key']),
    },
  };
  statementsByDialect.set(dialect.name, texts);
  return texts;
}

export type Resolved = ClaimLookup;

const keyOf = (profile: Profile, kind: MergeKind): string | null =>
  kind === 'email' ? profile.emailKey : profile.mobileKey;

/**
 * Where a request lands, read in one statement and, where other writers run beside us
 * (PostgreSQL), with the rows locked: the caller holds the key locks of the customerId and the
 * merge keys, so no other row can start to match while we wait, and a row that changed or went
 * while we waited is read again as it is now.
 */
export async function resolveProfiles(
  sql: SqlRunner,
  dialect: Dialect,
  accountId: string,
  customerId: string,
  identifiers: ReadonlyArray<{ kind: MergeKind; key: string }>,
): Promise<Resolved> {
  const texts = statements(dialect);
  if (identifiers.length === 0) {
    const row = await sql.get<ProfileRow>(texts.byCustomerIdLocked, [accountId, customerId]);
    return { byCustomerId: row && toProfile(row), byIdentifier: [], customerIdCounts: new Map() };
  }
  // The statement looks keys up in a fixed column order: email first.
  const ordered = [...identifiers].sort((a, b) => a.kind.localeCompare(b.kind));
  const rows = await sql.all<CountedRow & { via_customer_id: unknown }>(
    texts.resolve[ordered.map((i) => i.kind).join(',')]!,
    [accountId, customerId, accountId, customerId, ...ordered.flatMap((i) => [accountId, i.key])],
  );
  const profiles = rows.map((row) => ({ profile: toProfile(row), viaCustomerId: Boolean(row.via_customer_id) }));
  return {
    byCustomerId: profiles.find((p) => p.viaCustomerId)?.profile,
    byIdentifier: identifiers.map((i) => profiles.find((p) => keyOf(p.profile, i.kind) === i.key)?.profile),
    customerIdCounts: new Map(rows.map((row) => [Number(row.gameball_id), Number(row.customer_id_count)])),
  };
}

/** Where a list of requests lands, read set-wise: profiles by customerId and by merge key ("kind:key"). */
export interface ResolvedMany {
  byCustomerId: Map<string, Profile>;
  byKey: Map<string, Profile>;
  /** How many customerIds each profile read has (kept current as the list merges). */
  customerIdCounts: Map<number, number>;
}

/**
 * The same resolution as resolveProfiles for a whole list at once, the rows locked (one read
 * per kind of key instead of one per request). The caller holds every key lock of the list.
 */
export async function resolveMany(
  sql: SqlRunner,
  dialect: Dialect,
  accountId: string,
  customerIds: readonly string[],
  identifiers: ReadonlyArray<{ kind: MergeKind; key: string }>,
): Promise<ResolvedMany> {
  const texts = statements(dialect);
  const byCustomerId = new Map<string, Profile>();
  const byKey = new Map<string, Profile>();
  const customerIdCounts = new Map<number, number>();
  const rows = await sql.all<CountedRow & { matched_customer_id: string }>(texts.manyByCustomerId, [
    accountId,
    dialect.listParam([...new Set(customerIds)]),
  ]);
  for (const row of rows) {
    byCustomerId.set(row.matched_customer_id, toProfile(row));
    customerIdCounts.set(Number(row.gameball_id), Number(row.customer_id_count));
  }
  for (const kind of ['email', 'mobile'] as const) {
    const keys = [...new Set(identifiers.filter((i) => i.kind === kind).map((i) => i.key))];
    if (keys.length === 0) continue;
    for (const row of await sql.all<CountedRow>(texts.manyByKey[kind], [accountId, dialect.listParam(keys)])) {
      const profile = toProfile(row);
      customerIdCounts.set(profile.gameballId, Number(row.customer_id_count));
      const key = keyOf(profile, kind);
      if (key !== null) byKey.set(mergeKeyId(kind, key), profile);
    }
  }
  return { byCustomerId, byKey, customerIdCounts };
}

/** The profile a customerId reaches, locked for the rest of the transaction where that means anything. */
export async function lockProfileByCustomerId(
  sql: SqlRunner,
  dialect: Dialect,
  accountId: string,
  customerId: string,
): Promise<Profile | undefined> {
  const row = await sql.get<ProfileRow>(statements(dialect).byCustomerIdLocked, [accountId, customerId]);
  return row && toProfile(row);
}

/** The profile a customerId reaches, in one query. */
export async function findProfileByCustomerId(
  sql: SqlRunner,
  dialect: Dialect,
  accountId: string,
  customerId: string,
): Promise<Profile | undefined> {
  const row = await sql.get<ProfileRow>(statements(dialect).byCustomerId, [accountId, customerId]);
  return row && toProfile(row);
}

export async function findGameballId(
  sql: SqlRunner,
  accountId: string,
  customerId: string,
): Promise<number | undefined> {
  const row = await sql.get<{ gameball_id: number }>(
    'select gameball_id from customer_ids where account_id = ? and customer_id = ?',
    [accountId, customerId],
  );
  return row && Number(row.gameball_id);
}

export async function getProfile(sql: SqlRunner, gameballId: number): Promise<Profile | undefined> {
  const row = await sql.get<ProfileRow>(`select ${COLUMNS.join(', ')} from profiles where gameball_id = ?`, [
    gameballId,
  ]);
  return row && toProfile(row);
}

/** Removes the profile; its customerIds and the referrals it gave or received go with it. */
export async function deleteProfile(sql: SqlRunner, accountId: string, gameballId: number): Promise<void> {
  await sql.run('delete from profiles where account_id = ? and gameball_id = ?', [accountId, gameballId]);
}

/** Whether an unmerge made these two profiles of one (docs/identity.md "Unmerge"). */
export async function areSplitSiblings(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
  other: number,
): Promise<boolean> {
  return (await splitBetween(sql, accountId, gameballId, other)) !== undefined;
}

export async function recordSplit(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
  other: number,
  now: string,
): Promise<void> {
  const insert =
    'insert into profile_splits (account_id, gameball_id, sibling_gameball_id, created_at) values (?, ?, ?, ?)';
  await sql.run(insert, [accountId, gameballId, other, now]);
  await sql.run(insert, [accountId, other, gameballId, now]);
}

export async function detachCustomerId(sql: SqlRunner, accountId: string, customerId: string): Promise<void> {
  await sql.run('delete from customer_ids where account_id = ? and customer_id = ?', [accountId, customerId]);
}

/** The profile holding a merge key, if any. */
export async function mergeKeyHolder(
  sql: SqlRunner,
  accountId: string,
  kind: MergeKind,
  key: string,
): Promise<number | undefined> {
  const column = kind === 'email' ? 'email_key' : 'mobile_key';
  const row = await sql.get<{ gameball_id: number }>(
    `select gameball_id from profiles where account_id = ? and ${column} = ?`,
    [accountId, key],
  );
  return row && Number(row.gameball_id);
}

/** The profiles an unmerge split from each of these, as `a|b` pairs (lower gameballId first). */
export async function splitPairsOf(db: Db, accountId: string, gameballIds: readonly number[]): Promise<Set<string>> {
  if (gameballIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('profile_splits')
    .select(['gameball_id', 'sibling_gameball_id'])
    .where('account_id', '=', accountId)
    .where('gameball_id', 'in', [...gameballIds])
    .execute();
  return new Set(
    rows.map(({ gameball_id: a, sibling_gameball_id: b }) =>
      Number(a) < Number(b) ? `${Number(a)}|${Number(b)}` : `${Number(b)}|${Number(a)}`,
    ),
  );
}

/** When an unmerge split these two profiles, if one did. */
export async function splitBetween(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
  other: number,
): Promise<string | undefined> {
  const row = await sql.get<{ created_at: string }>(
    'select created_at from profile_splits where account_id = ? and gameball_id = ? and sibling_gameball_id = ?',
    [accountId, gameballId, other],
  );
  return row?.created_at;
}

/** An explicit merge: every customerId of one profile now reaches another. */
export async function moveCustomerIds(sql: SqlRunner, accountId: string, from: number, to: number): Promise<void> {
  await sql.run('update customer_ids set gameball_id = ? where account_id = ? and gameball_id = ?', [
    to,
    accountId,
    from,
  ]);
}
