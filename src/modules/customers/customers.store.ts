import { dbBool, readJson } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { MergeKind } from '../identity/merge-keys.js';
import type { Profile, PushDevice } from '../profiles/profile.types.js';
import { historyValues, insertHistory, insertHistoryText, pointProfileAt } from '../history/history.store.js';
import type { HistoryRecord } from '../history/history.types.js';

/**
 * The SQL of customer profiles and their customerIds. Statements are fixed texts, prepared once
 * per connection; the dialect supplies the few fragments that differ (row locks, casts).
 */

interface ProfileRow {
  gameball_id: number;
  account_id: string;
  email: string | null;
  mobile: string | null;
  email_key: string | null;
  mobile_key: string | null;
  attributes: unknown;
  custom: unknown;
  push_devices: unknown;
  guest: boolean | number;
  is_active: boolean | number;
  referral_code: string | null;
  is_referred: boolean | number;
  tags: unknown;
  created_at: string;
  updated_at: string;
  history_head: number | null;
}

const COLUMNS = [
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

/** The values a write sets, in the order of the statements below (gameball_id and account_id aside). */
function writtenValues(profile: Omit<Profile, 'gameballId' | 'accountId' | 'createdAt' | 'historyHead'>): unknown[] {
  return [
    profile.email,
    profile.mobile,
    profile.emailKey,
    profile.mobileKey,
    JSON.stringify(profile.attributes),
    JSON.stringify(profile.custom),
    JSON.stringify(profile.pushDevices),
    dbBool(profile.guest),
    dbBool(profile.isActive),
    profile.referralCode,
    dbBool(profile.isReferred),
    JSON.stringify(profile.tags),
    profile.updatedAt,
  ];
}

interface Statements {
  manyByCustomerId: string;
  manyByKey: Record<MergeKind, string>;
  byCustomerId: string;
  byCustomerIdLocked: string;
  /** By the kinds of merge key carried: `email`, `mobile` or `email,mobile`. */
  resolve: Record<string, string>;
  insertProfile: string;
  insertProfileWithNextEntry: string;
  insertProfileAndCustomerId: string;
  insertProfileCustomerIdAndHistory: string;
  updateProfile: string;
  updateKeepingIdentifiers: string;
  updateWithHistory: string;
  attachAndUpdate: string;
  attachUpdateAndHistory: string;
}

const ATTACH = 'insert into customer_ids (account_id, customer_id, gameball_id, created_at) values (?, ?, ?, ?)';

const INSERT_FIRST_CUSTOMER_ID = (time: string, returning = 'gameball_id') =>
  `insert into customer_ids (account_id, customer_id, gameball_id, created_at) select ?, ?, gameball_id, ?${time} from p returning ${returning}`;

const statementsByDialect = new Map<string, Statements>();

function statements(dialect: Dialect): Statements {
  let texts = statementsByDialect.get(dialect.name);
  if (texts) return texts;
  const json = dialect.cast('json');
  const bool = dialect.cast('bool');
  const time = dialect.cast('timestamp');
  const byCustomerId = `select ${P_COLUMNS} from customer_ids c join profiles p on p.gameball_id = c.gameball_id where c.account_id = ? and c.customer_id = ?`;
  // The profile a customerId reaches and those holding the merge keys, in one read: 0 to 3 rows.
  // Every lookup goes by index into one id list, then each profile by its key (an OR of them
  // would make PostgreSQL scan every profile).
  const resolve = (columns: string[]) =>
    `select ${P_COLUMNS}, p.gameball_id in (select gameball_id from customer_ids where account_id = ? and customer_id = ?) as via_customer_id from profiles p ` +
    `where p.gameball_id in (select gameball_id from customer_ids where account_id = ? and customer_id = ?` +
    columns
      .map((column) => ` union all select gameball_id from profiles where account_id = ? and ${column} = ?`)
      .join('') +
    ')' +
    dialect.lockRows('p');
  // A referral code held by another profile (the unique index) or retired by a deleted one
  // answers no row, and the caller draws another code: no read beforehand.
  // `head`: also point the new profile at its first history entry, whose id is given by `head`.
  const insertProfileText = (head?: string) =>
    `insert into profiles (account_id, email, mobile, email_key, mobile_key, attributes, custom, push_devices, guest, is_active, referral_code, is_referred, tags, updated_at, created_at${head ? ', history_head' : ''}) ` +
    `select ?, ?, ?, ?, ?, ?${json}, ?${json}, ?${json}, ?${bool}, ?${bool}, ?, ?${bool}, ?${json}, ?${time}, ?${time}${head ? `, ${head}` : ''} ` +
    'where not exists (select 1 from retired_referral_codes where account_id = ? and code = ?) ' +
    `on conflict (account_id, referral_code) do nothing returning gameball_id${head ? ', history_head' : ''}`;
  const insertProfile = insertProfileText();
  // `head`: the profile's newest history entry after the write.
  const updateText = (head: string) =>
    'update profiles set email = ?, mobile = ?, email_key = ?, mobile_key = ?, attributes = ?, custom = ?, push_devices = ?, ' +
    `guest = ?, is_active = ?, referral_code = ?, is_referred = ?, tags = ?, updated_at = ?, history_head = ${head} where gameball_id = ?`;
  const updateProfile = updateText('?');
  // Inside a PostgreSQL WITH: the update takes the entry's id from it.
  const history = `${insertHistoryText(dialect)} returning id`;
  texts = {
    manyByCustomerId:
      `select ${P_COLUMNS}, c.customer_id as matched_customer_id from customer_ids c join profiles p on p.gameball_id = c.gameball_id ` +
      `where c.account_id = ? and ${dialect.inList('c.customer_id')}${dialect.lockRows('p')}`,
    manyByKey: {
      email: `select ${P_COLUMNS} from profiles p where p.account_id = ? and ${dialect.inList('p.email_key')}${dialect.lockRows('p')}`,
      mobile: `select ${P_COLUMNS} from profiles p where p.account_id = ? and ${dialect.inList('p.mobile_key')}${dialect.lockRows('p')}`,
    },
    byCustomerId,
    byCustomerIdLocked: byCustomerId + dialect.lockRows('p'),
    resolve: {
      email: resolve(['email_key']),
      mobile: resolve(['mobile_key']),
      'email,mobile': resolve(['email_key', 'mobile_key']),
    },
    insertProfile,
    // SQLite: the id the profile's first entry will get. AUTOINCREMENT gives the next one after the
    // highest ever used, which sqlite_sequence holds; the write lock makes the entry, inserted next
    // in this transaction, take exactly that id (checked, and repaired if not).
    insertProfileWithNextEntry: insertProfileText(
      "(select coalesce((select seq from sqlite_sequence where name = 'profile_history'), 0) + 1)",
    ),
    // Where the dialect allows (PostgreSQL), the profile and its first customerId in one statement.
    insertProfileAndCustomerId: `with p as (${insertProfile}) ${INSERT_FIRST_CUSTOMER_ID(time)}`,
    // The history entry rides in the statement of the change (PostgreSQL): no round trip of its
    // own. A create draws the entry's id first, so the new profile can point at it.
    insertProfileCustomerIdAndHistory:
      `with hid as (select nextval('profile_history_id_seq') as id), p as (${insertProfileText('(select id from hid)')}), ` +
      `h as (${insertHistoryText(dialect, { gameballFrom: 'p', idFrom: 'hid' })}) ${INSERT_FIRST_CUSTOMER_ID(time, 'gameball_id, (select id from hid) as history_head')}`,
    updateProfile,
    // SQLite rewrites the entries of every index whose columns an UPDATE sets, changed or not;
    // PostgreSQL skips unchanged ones by itself (a HOT update), so only SQLite needs this text.
    updateKeepingIdentifiers:
      'update profiles set attributes = ?, custom = ?, push_devices = ?, guest = ?, is_active = ?, referral_code = ?, is_referred = ?, tags = ?, updated_at = ?, history_head = ? where gameball_id = ?',
    updateWithHistory: `with h as (${history}) ${updateText('(select id from h)')} returning history_head`,
    attachAndUpdate: `with attached as (${ATTACH}) ${updateProfile}`,
    attachUpdateAndHistory: `with attached as (${ATTACH}), h as (${history}) ${updateText('(select id from h)')} returning history_head`,
  };
  statementsByDialect.set(dialect.name, texts);
  return texts;
}

export interface Resolved {
  /** The profile the request's customerId reaches. */
  byCustomerId: Profile | undefined;
  /** The profile holding each of the request's merge keys, in the order given. */
  byIdentifier: Array<Profile | undefined>;
}

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
    return { byCustomerId: row && toProfile(row), byIdentifier: [] };
  }
  // The statement looks keys up in a fixed column order: email first.
  const ordered = [...identifiers].sort((a, b) => a.kind.localeCompare(b.kind));
  const rows = await sql.all<ProfileRow & { via_customer_id: unknown }>(
    texts.resolve[ordered.map((i) => i.kind).join(',')]!,
    [accountId, customerId, accountId, customerId, ...ordered.flatMap((i) => [accountId, i.key])],
  );
  const profiles = rows.map((row) => ({ profile: toProfile(row), viaCustomerId: Boolean(row.via_customer_id) }));
  return {
    byCustomerId: profiles.find((p) => p.viaCustomerId)?.profile,
    byIdentifier: identifiers.map((i) => profiles.find((p) => keyOf(p.profile, i.kind) === i.key)?.profile),
  };
}

/** Where a list of requests lands, read set-wise: profiles by customerId and by merge key ("kind:key"). */
export interface ResolvedMany {
  byCustomerId: Map<string, Profile>;
  byKey: Map<string, Profile>;
}

export const mergeKeyId = (kind: MergeKind, key: string): string => `${kind}:${key}`;

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
  const rows = await sql.all<ProfileRow & { matched_customer_id: string }>(texts.manyByCustomerId, [
    accountId,
    dialect.listParam([...new Set(customerIds)]),
  ]);
  for (const row of rows) byCustomerId.set(row.matched_customer_id, toProfile(row));
  for (const kind of ['email', 'mobile'] as const) {
    const keys = [...new Set(identifiers.filter((i) => i.kind === kind).map((i) => i.key))];
    if (keys.length === 0) continue;
    for (const row of await sql.all<ProfileRow>(texts.manyByKey[kind], [accountId, dialect.listParam(keys)])) {
      const profile = toProfile(row);
      const key = keyOf(profile, kind);
      if (key !== null) byKey.set(mergeKeyId(kind, key), profile);
    }
  }
  return { byCustomerId, byKey };
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

/**
 * Inserts a profile with its first customerId, and its history entry when given; undefined when
 * the profile's referral code is held or retired (draw another). Any other unique violation is
 * a real conflict and is thrown.
 */
export async function insertProfileWithCustomerId(
  sql: SqlRunner,
  dialect: Dialect,
  profile: Omit<Profile, 'gameballId' | 'historyHead'>,
  customerId: string,
  history?: HistoryRecord,
): Promise<{ gameballId: number; historyHead: number | null } | undefined> {
  const texts = statements(dialect);
  const profileValues = [
    profile.accountId,
    ...writtenValues(profile),
    profile.createdAt,
    profile.accountId,
    profile.referralCode,
  ];
  const customerIdValues = [profile.accountId, customerId, profile.createdAt];
  if (dialect.writesInWith) {
    const row = history
      ? await sql.get<{ gameball_id: number; history_head: number }>(texts.insertProfileCustomerIdAndHistory, [
          ...profileValues,
          ...historyValues(history, undefined, null),
          ...customerIdValues,
        ])
      : await sql.get<{ gameball_id: number }>(texts.insertProfileAndCustomerId, [
          ...profileValues,
          ...customerIdValues,
        ]);
    if (!row) return undefined;
    return {
      gameballId: Number(row.gameball_id),
      historyHead: 'history_head' in row ? Number(row.history_head) : null,
    };
  }
  const row = await sql.get<{ gameball_id: number; history_head?: number }>(
    history ? texts.insertProfileWithNextEntry : texts.insertProfile,
    profileValues,
  );
  if (!row) return undefined;
  const gameballId = Number(row.gameball_id);
  await attachCustomerId(sql, profile.accountId, customerId, gameballId, profile.createdAt);
  if (!history) return { gameballId, historyHead: null };
  const head = await insertHistory(sql, dialect, history, gameballId, null);
  if (Number(row.history_head) !== head) await pointProfileAt(sql, gameballId, head);
  return { gameballId, historyHead: head };
}

/**
 * Writes a profile's fields; with `attach`, also gives it another customerId (a merge); with
 * `history`, records the change as the profile's newest entry — in the same statement where the
 * dialect allows. Without, the profile keeps `profile.historyHead` as its newest entry (null
 * cuts it off its history: a change not recorded would make the entries before it unexplainable).
 * Answers the profile's history head after the write (lists keep it current).
 */
export async function updateProfile(
  sql: SqlRunner,
  dialect: Dialect,
  profile: Profile,
  attach?: { customerId: string; now: string },
  history?: HistoryRecord,
  /** The profile as it was: where its identifiers did not change, their indexes are left alone. */
  before?: Pick<Profile, 'email' | 'mobile' | 'emailKey' | 'mobileKey'>,
): Promise<number | null> {
  const texts = statements(dialect);
  const fields = writtenValues(profile);
  if (dialect.writesInWith) {
    const attachValues = attach ? [profile.accountId, attach.customerId, profile.gameballId, attach.now] : [];
    if (!history) {
      await sql.run(attach ? texts.attachAndUpdate : texts.updateProfile, [
        ...attachValues,
        ...fields,
        profile.historyHead,
        profile.gameballId,
      ]);
      return profile.historyHead;
    }
    const historyParams = historyValues(history, profile.gameballId, profile.historyHead);
    const row = await sql.get<{ history_head: number }>(
      attach ? texts.attachUpdateAndHistory : texts.updateWithHistory,
      [...attachValues, ...historyParams, ...fields, profile.gameballId],
    );
    return Number(row!.history_head);
  }
  if (attach) await attachCustomerId(sql, profile.accountId, attach.customerId, profile.gameballId, attach.now);
  const head = history
    ? await insertHistory(sql, dialect, history, profile.gameballId, profile.historyHead)
    : profile.historyHead;
  const keep =
    before !== undefined &&
    before.email === profile.email &&
    before.mobile === profile.mobile &&
    before.emailKey === profile.emailKey &&
    before.mobileKey === profile.mobileKey;
  // The identifiers are the first four values written.
  await sql.run(keep ? texts.updateKeepingIdentifiers : texts.updateProfile, [
    ...(keep ? fields.slice(4) : fields),
    head,
    profile.gameballId,
  ]);
  return head;
}

async function attachCustomerId(
  sql: SqlRunner,
  accountId: string,
  customerId: string,
  gameballId: number,
  now: string,
): Promise<void> {
  await sql.run(ATTACH, [accountId, customerId, gameballId, now]);
}

export async function listCustomerIds(sql: SqlRunner, gameballId: number): Promise<string[]> {
  const rows = await sql.all<{ customer_id: string }>(
    'select customer_id from customer_ids where gameball_id = ? order by created_at, customer_id',
    [gameballId],
  );
  return rows.map((r) => r.customer_id);
}

/** Removes the profile; its customerIds and the referrals it gave or received go with it. */
export async function deleteProfile(sql: SqlRunner, gameballId: number): Promise<void> {
  await sql.run('delete from profiles where gameball_id = ?', [gameballId]);
}

/** Whether an unmerge made these two profiles of one (docs/identity.md "Unmerge"). */
export async function areSplitSiblings(sql: SqlRunner, gameballId: number, other: number): Promise<boolean> {
  return (
    (await sql.get('select 1 as yes from profile_splits where gameball_id = ? and sibling_gameball_id = ?', [
      gameballId,
      other,
    ])) !== undefined
  );
}

export async function recordSplit(sql: SqlRunner, gameballId: number, other: number, now: string): Promise<void> {
  await sql.run('insert into profile_splits (gameball_id, sibling_gameball_id, created_at) values (?, ?, ?)', [
    gameballId,
    other,
    now,
  ]);
  await sql.run('insert into profile_splits (gameball_id, sibling_gameball_id, created_at) values (?, ?, ?)', [
    other,
    gameballId,
    now,
  ]);
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
