import type { Store } from '../../db/connect.js';
import { dbBool, type ProfilesTable } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';
import { WriteAgain, type SqlRunner, type WriteTx } from '../../db/sql-runner.js';
import { historyValues, insertHistory, insertHistoryText, type HistoryRecord } from '../history/index.js';
import type { Profile } from '../profiles/index.js';
import { generateReferralCode } from '../referrals/index.js';
import { firstCustomerIdOf } from './customer-reads.store.js';
import { QUEUE_ROW } from './profile-changes.store.js';

/**
 * The writes of a profile: insert (with its first customerId) and update (with a customerId
 * attached by a merge), each with its history entry. Statements are fixed texts, prepared once per
 * connection. Where the dialect lets one statement write several tables (PostgreSQL's
 * data-modifying WITH), the profile, its customerId and its history entry go in one round trip;
 * elsewhere (SQLite, in process) one statement each.
 */

type Written = Omit<Profile, 'gameballId' | 'accountId' | 'createdAt' | 'historyHead'>;

/**
 * The columns a write sets, each with the value it takes from the profile and the cast an
 * INSERT … SELECT needs: one list, so a statement's columns and its parameters cannot drift apart.
 */
export const WRITTEN: ReadonlyArray<{
  column: keyof ProfilesTable;
  value: (profile: Written) => unknown;
  cast?: 'json' | 'bool' | 'timestamp';
}> = [
  { column: 'email', value: (p) => p.email },
  { column: 'mobile', value: (p) => p.mobile },
  { column: 'email_key', value: (p) => p.emailKey },
  { column: 'mobile_key', value: (p) => p.mobileKey },
  { column: 'attributes', value: (p) => JSON.stringify(p.attributes), cast: 'json' },
  { column: 'custom', value: (p) => JSON.stringify(p.custom), cast: 'json' },
  { column: 'push_devices', value: (p) => JSON.stringify(p.pushDevices), cast: 'json' },
  { column: 'guest', value: (p) => dbBool(p.guest), cast: 'bool' },
  { column: 'is_active', value: (p) => dbBool(p.isActive), cast: 'bool' },
  { column: 'referral_code', value: (p) => p.referralCode },
  { column: 'is_referred', value: (p) => dbBool(p.isReferred), cast: 'bool' },
  { column: 'tags', value: (p) => JSON.stringify(p.tags), cast: 'json' },
  { column: 'updated_at', value: (p) => p.updatedAt, cast: 'timestamp' },
];
/** Written columns whose indexes an update leaves alone when their values did not change (SQLite). */
const IDENTIFIER_COLUMNS: ReadonlySet<string> = new Set(['email', 'mobile', 'email_key', 'mobile_key']);
const NON_IDENTIFIER = WRITTEN.filter((c) => !IDENTIFIER_COLUMNS.has(c.column));

const valuesOf = (columns: typeof WRITTEN, profile: Written): unknown[] => columns.map((c) => c.value(profile));

interface Statements {
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

/** Per dialect, without and with the queue row: looked up on every write, so no key string is built. */
const statementsByDialect = new Map<string, [Statements | undefined, Statements | undefined]>();

/**
 * The queue row of possible-duplicate scoring (profile-changes.store.ts) as a part of a WITH, when
 * `queued`: it rides in the profile's statement, no round trip of its own. From `p` (a new profile)
 * its gameball_id comes from the insert; otherwise it is a parameter.
 */
const QUEUE_FROM_P = (time: string) =>
  `q as (insert into profile_changes (account_id, gameball_id, at) select ?, gameball_id, ?${time} from p)`;
const QUEUE = (time: string) =>
  `q as (insert into profile_changes (account_id, gameball_id, at) values (?, ?, ?${time}))`;

/** `with a, b, …` of the parts given (none: no WITH). */
const withParts = (...parts: Array<string | false>): string => {
  const given = parts.filter((part): part is string => part !== false);
  return given.length === 0 ? '' : `with ${given.join(', ')} `;
};

function statements(dialect: Dialect, queued = false): Statements {
  const cached = statementsByDialect.get(dialect.name) ?? [undefined, undefined];
  let texts = cached[queued ? 1 : 0];
  if (texts) return texts;
  const time = dialect.cast('timestamp');
  const fromP = queued && QUEUE_FROM_P(time);
  const queue = queued && QUEUE(time);
  // A referral code held by another profile (the unique index) or retired by a deleted one
  // answers no row, and the caller draws another code: no read beforehand.
  // `head`: also point the new profile at its first history entry, whose id is given by `head`.
  const insertProfileText = (head?: string) =>
    `insert into profiles (account_id, ${WRITTEN.map((c) => c.column).join(', ')}, created_at${head ? ', history_head' : ''}) ` +
    `select ?, ${WRITTEN.map((c) => `?${c.cast ? dialect.cast(c.cast) : ''}`).join(', ')}, ?${time}${head ? `, ${head}` : ''} ` +
    'where not exists (select 1 from retired_referral_codes where account_id = ? and code = ?) ' +
    `on conflict (account_id, referral_code) do nothing returning gameball_id${head ? ', history_head' : ''}`;
  const insertProfile = insertProfileText();
  // `head`: the profile's newest history entry after the write.
  const updateText = (columns: typeof WRITTEN, head: string) =>
    `update profiles set ${columns.map((c) => `${c.column} = ?`).join(', ')}, history_head = ${head} where gameball_id = ? and account_id = ?`;
  const plainUpdate = updateText(WRITTEN, '?');
  // Inside a WITH: the update takes the entry's id from it.
  const history = `${insertHistoryText(dialect)} returning id`;
  const nextEntryId = dialect.nextSerialId('profile_history');
  texts = {
    insertProfile,
    // The id the profile's first entry will get, known before it is inserted (next in this transaction).
    insertProfileWithNextEntry: insertProfileText(`(${nextEntryId})`),
    // Where the dialect allows (PostgreSQL), the profile and its first customerId in one statement.
    insertProfileAndCustomerId: `${withParts(`p as (${insertProfile})`, fromP)}${INSERT_FIRST_CUSTOMER_ID(time)}`,
    // The history entry rides in the statement of the change: no round trip of its own. A create
    // draws the entry's id first, so the new profile can point at it.
    insertProfileCustomerIdAndHistory:
      withParts(
        `hid as (select ${nextEntryId} as id)`,
        `p as (${insertProfileText('(select id from hid)')})`,
        fromP,
        `h as (${insertHistoryText(dialect, { gameballFrom: 'p', idFrom: 'hid' })})`,
      ) + INSERT_FIRST_CUSTOMER_ID(time, 'gameball_id, (select id from hid) as history_head'),
    updateProfile: `${withParts(queue)}${plainUpdate}`,
    // SQLite rewrites the entries of every index whose columns an UPDATE sets, changed or not;
    // PostgreSQL skips unchanged ones by itself (a HOT update), so only SQLite needs this text.
    updateKeepingIdentifiers: updateText(NON_IDENTIFIER, '?'),
    updateWithHistory: `${withParts(queue, `h as (${history})`)}${updateText(WRITTEN, '(select id from h)')} returning history_head`,
    attachAndUpdate: `${withParts(queue, `attached as (${ATTACH})`)}${plainUpdate}`,
    attachUpdateAndHistory: `${withParts(queue, `attached as (${ATTACH})`, `h as (${history})`)}${updateText(WRITTEN, '(select id from h)')} returning history_head`,
  };
  cached[queued ? 1 : 0] = texts;
  statementsByDialect.set(dialect.name, cached);
  return texts;
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
  queue = false,
): Promise<{ gameballId: number; historyHead: number | null } | undefined> {
  const texts = statements(dialect, queue && dialect.writesInWith);
  const written = valuesOf(WRITTEN, profile);
  const profileValues = [profile.accountId, ...written, profile.createdAt, profile.accountId, profile.referralCode];
  const queueValues = queue ? [profile.accountId, profile.createdAt] : [];
  const customerIdValues = [profile.accountId, customerId, profile.createdAt];
  if (dialect.writesInWith) {
    const row = history
      ? await sql.get<{ gameball_id: number; history_head: number }>(texts.insertProfileCustomerIdAndHistory, [
          ...profileValues,
          ...queueValues,
          ...historyValues(history, undefined, null),
          ...customerIdValues,
        ])
      : await sql.get<{ gameball_id: number }>(texts.insertProfileAndCustomerId, [
          ...profileValues,
          ...queueValues,
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
  await sql.run(ATTACH, [profile.accountId, customerId, gameballId, profile.createdAt]);
  if (queue) await sql.run(QUEUE_ROW, [profile.accountId, gameballId, profile.createdAt]);
  if (!history) return { gameballId, historyHead: null };
  const head = await insertHistory(sql, dialect, history, gameballId, null);
  // The entry did not take the id foreseen (Dialect.nextSerialId): point the profile at the one it got.
  if (Number(row.history_head) !== head) await setHistoryHead(sql, profile.accountId, gameballId, head);
  return { gameballId, historyHead: head };
}

/**
 * A new profile with its first customerId and its history entry, and a fresh referral code unless
 * it is a guest's. `ending`: `sql` is the transaction's last statement (WriteTx.last), so a code
 * drawn that is held cannot be drawn again in it: the whole write runs again.
 */
export async function insertNewProfile(
  store: Store,
  sql: SqlRunner,
  fresh: Omit<Profile, 'gameballId' | 'historyHead'>,
  customerId: string,
  history: HistoryRecord | undefined,
  queue = false,
  ending = false,
): Promise<Profile> {
  for (;;) {
    const candidate = fresh.guest ? fresh : { ...fresh, referralCode: generateReferralCode() };
    const inserted = await insertProfileWithCustomerId(sql, store.dialect, candidate, customerId, history, queue);
    // No id: the code drawn is held or retired (one chance in billions); draw again.
    if (inserted !== undefined) return { ...candidate, ...inserted };
    if (ending) throw new WriteAgain('the referral code drawn is taken');
  }
}

export interface ProfileUpdate {
  /** Also give the profile another customerId (a merge). */
  attach?: { customerId: string; now: string } | undefined;
  /** Record the change as the profile's newest entry. */
  history?: HistoryRecord | undefined;
  /** The profile as it was: where its identifiers did not change, their indexes are left alone. */
  before?: Pick<Profile, 'email' | 'mobile' | 'emailKey' | 'mobileKey'> | undefined;
  /** Queue the profile for possible-duplicate scoring (profile-changes.store.ts), in the same statement where it can. */
  queue?: boolean;
}

/**
 * Writes a profile's fields, with what `update` adds — in the same statement where the dialect
 * allows. Without a history entry the profile keeps `profile.historyHead` as its newest entry
 * (null cuts it off its history: a change not recorded would make the entries before it
 * unexplainable). Answers the profile's history head after the write (lists keep it current).
 */
export async function updateProfile(
  sql: SqlRunner,
  dialect: Dialect,
  profile: Profile,
  { attach, history, before, queue = false }: ProfileUpdate = {},
): Promise<number | null> {
  const texts = statements(dialect, queue && dialect.writesInWith);
  const queueValues = queue ? [profile.accountId, profile.gameballId, profile.updatedAt] : [];
  if (dialect.writesInWith) {
    const fields = valuesOf(WRITTEN, profile);
    const attachValues = attach ? [profile.accountId, attach.customerId, profile.gameballId, attach.now] : [];
    if (!history) {
      await sql.run(attach ? texts.attachAndUpdate : texts.updateProfile, [
        ...queueValues,
        ...attachValues,
        ...fields,
        profile.historyHead,
        profile.gameballId,
        profile.accountId,
      ]);
      return profile.historyHead;
    }
    const historyParams = historyValues(history, profile.gameballId, profile.historyHead);
    const row = await sql.get<{ history_head: number }>(
      attach ? texts.attachUpdateAndHistory : texts.updateWithHistory,
      [...queueValues, ...attachValues, ...historyParams, ...fields, profile.gameballId, profile.accountId],
    );
    return Number(row!.history_head);
  }
  if (attach) await sql.run(ATTACH, [profile.accountId, attach.customerId, profile.gameballId, attach.now]);
  if (queue) await sql.run(QUEUE_ROW, queueValues);
  const head = history
    ? await insertHistory(sql, dialect, history, profile.gameballId, profile.historyHead)
    : profile.historyHead;
  const keep =
    before !== undefined &&
    before.email === profile.email &&
    before.mobile === profile.mobile &&
    before.emailKey === profile.emailKey &&
    before.mobileKey === profile.mobileKey;
  const columns = keep ? NON_IDENTIFIER : WRITTEN;
  await sql.run(keep ? texts.updateKeepingIdentifiers : texts.updateProfile, [
    ...valuesOf(columns, profile),
    head,
    profile.gameballId,
    profile.accountId,
  ]);
  return head;
}

/** Makes `head` the profile's newest history entry (an entry written outside the profile's own statement). */
export async function setHistoryHead(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
  head: number,
): Promise<void> {
  await sql.run('update profiles set history_head = ? where account_id = ? and gameball_id = ?', [
    head,
    accountId,
    gameballId,
  ]);
}

/** An entry added to a profile outside its write statement (unmerge): inserted, then the profile points at it. */
export async function appendHistory(
  sql: SqlRunner,
  dialect: Dialect,
  record: HistoryRecord & { gameballId: number },
  head: number | null,
): Promise<void> {
  const entry = await insertHistory(sql, dialect, record, record.gameballId, head);
  await setHistoryHead(sql, record.accountId, record.gameballId, entry);
}

/**
 * Makes a stored identifier the profile's merge key, if the profile still holds no key of that
 * kind (a write since may have set one); answers 1 when it did. The caller holds the key's lock.
 */
export async function setMergeKey(
  sql: SqlRunner,
  gameballId: number,
  kind: 'email' | 'mobile',
  key: string,
): Promise<number> {
  const column = kind === 'email' ? 'email_key' : 'mobile_key';
  return sql.run(`update profiles set ${column} = ? where gameball_id = ? and ${column} is null`, [key, gameballId]);
}

/**
 * An entry that changes no field, on each of two profiles, naming the other (a possible duplicate
 * dismissed: docs/duplicates.md). Each profile's row is locked for its history head.
 */
export async function notePair(
  tx: WriteTx,
  dialect: Dialect,
  record: Omit<HistoryRecord, 'gameballId' | 'customerId' | 'relatedGameballId'>,
  pair: readonly [number, number],
): Promise<void> {
  for (const [self, other] of [pair, [pair[1], pair[0]]] as const) {
    const row = await tx.sql.get<{ history_head: number | null; customer_id: string | null }>(
      `select p.history_head, ${firstCustomerIdOf('p')} as customer_id from profiles p where p.account_id = ? and p.gameball_id = ?${dialect.lockRows('p')}`,
      [record.accountId, self],
    );
    if (!row) continue;
    const entry = { ...record, gameballId: self, customerId: row.customer_id ?? '', relatedGameballId: other };
    await appendHistory(tx.sql, dialect, entry, row.history_head === null ? null : Number(row.history_head));
  }
}
