import { sql as kyselySql, type RawBuilder } from 'kysely';
import { readJson, type Db } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { inChunks } from '../../db/sql-lists.js';

/**
 * Reads of profiles for the operations beside the write path: referral codes, the summaries that
 * name a profile in a listing, customerIds. One rule names a profile by one customerId wherever a
 * listing shows it (referred friends, the export, console search, check-merge): its first
 * customerId, by when it was attached, then by value.
 */
export const CUSTOMER_ID_ORDER = 'created_at, customer_id';

/** The first customerId of the profile row `alias` (of profiles), as a SQL expression. */
export const firstCustomerIdOf = (alias: string): string =>
  `(select f.customer_id from customer_ids f where f.account_id = ${alias}.account_id and f.gameball_id = ${alias}.gameball_id order by f.${CUSTOMER_ID_ORDER.replace(', ', ', f.')} limit 1)`;

/** The same expression for a Kysely select over `profiles as p`. */
export const firstCustomerIdColumn = (): RawBuilder<string | null> =>
  kyselySql.raw<string | null>(firstCustomerIdOf('p'));

export async function listCustomerIds(sql: SqlRunner, accountId: string, gameballId: number): Promise<string[]> {
  const rows = await sql.all<{ customer_id: string }>(
    `select customer_id from customer_ids where account_id = ? and gameball_id = ? order by ${CUSTOMER_ID_ORDER}`,
    [accountId, gameballId],
  );
  return rows.map((r) => r.customer_id);
}

/** Every customerId of each profile, in the order of the rule above. */
export async function customerIdsOfMany(
  db: Db,
  accountId: string,
  gameballIds: readonly number[],
): Promise<Map<number, string[]>> {
  const byProfile = new Map<number, string[]>(gameballIds.map((id) => [id, []]));
  if (gameballIds.length === 0) return byProfile;
  const rows = await db
    .selectFrom('customer_ids')
    .select(['gameball_id', 'customer_id'])
    .where('account_id', '=', accountId)
    .where('gameball_id', 'in', [...gameballIds])
    .orderBy('created_at')
    .orderBy('customer_id')
    .execute();
  for (const row of rows) byProfile.get(Number(row.gameball_id))?.push(row.customer_id);
  return byProfile;
}

/** What a listing shows of a profile it names. */
export interface ProfileSummary {
  gameballId: number;
  /** Its first customerId. */
  customerId: string | null;
  email: string | null;
  mobile: string | null;
  attributes: Record<string, unknown>;
  referralCode: string | null;
  createdAt: string;
}

/** Summaries of the given profiles of one account, by gameballId (a profile that is gone is absent). */
export async function profileSummaries(
  db: Db,
  accountId: string,
  gameballIds: readonly number[],
): Promise<Map<number, ProfileSummary>> {
  if (gameballIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('profiles as p')
    .select([
      'p.gameball_id',
      'p.email',
      'p.mobile',
      'p.attributes',
      'p.referral_code',
      'p.created_at',
      firstCustomerIdColumn().as('customer_id'),
    ])
    .where('p.account_id', '=', accountId)
    .where('p.gameball_id', 'in', [...new Set(gameballIds)])
    .execute();
  return new Map(
    rows.map((row) => [
      Number(row.gameball_id),
      {
        gameballId: Number(row.gameball_id),
        customerId: row.customer_id,
        email: row.email,
        mobile: row.mobile,
        attributes: readJson<Record<string, unknown>>(row.attributes, {}),
        referralCode: row.referral_code,
        createdAt: row.created_at,
      },
    ]),
  );
}

/** The fields possible duplicates are scored on, of the given profiles (a profile that is gone is absent). */
export async function identityFieldsOf(
  db: Db,
  accountId: string,
  gameballIds: readonly number[],
): Promise<
  Map<number, { gameballId: number; email: string | null; mobile: string | null; attributes: Record<string, unknown> }>
> {
  const result = new Map<
    number,
    { gameballId: number; email: string | null; mobile: string | null; attributes: Record<string, unknown> }
  >();
  const unique = [...new Set(gameballIds)];
  for (const chunk of inChunks(unique, 1000)) {
    const rows = await db
      .selectFrom('profiles')
      .select(['gameball_id', 'email', 'mobile', 'attributes'])
      .where('account_id', '=', accountId)
      .where('gameball_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      const gameballId = Number(row.gameball_id);
      result.set(gameballId, {
        gameballId,
        email: row.email,
        mobile: row.mobile,
        attributes: readJson<Record<string, unknown>>(row.attributes, {}),
      });
    }
  }
  return result;
}

export async function findProfileByReferralCode(
  sql: SqlRunner,
  accountId: string,
  code: string,
): Promise<{ gameballId: number; isActive: boolean } | undefined> {
  const row = await sql.get<{ gameball_id: number; is_active: unknown }>(
    'select gameball_id, is_active from profiles where account_id = ? and referral_code = ?',
    [accountId, code],
  );
  return row && { gameballId: Number(row.gameball_id), isActive: Boolean(row.is_active) };
}

export async function retireReferralCode(sql: SqlRunner, accountId: string, code: string, now: string): Promise<void> {
  await sql.run('insert into retired_referral_codes (account_id, code, retired_at) values (?, ?, ?)', [
    accountId,
    code,
    now,
  ]);
}

/** Whether a code is held by a profile or was held by a deleted one. */
export async function isReferralCodeTaken(sql: SqlRunner, accountId: string, code: string): Promise<boolean> {
  const held = await sql.get(
    'select 1 as taken from profiles where account_id = ? and referral_code = ? union all select 1 from retired_referral_codes where account_id = ? and code = ?',
    [accountId, code, accountId, code],
  );
  return held !== undefined;
}

/** One page of an account's profiles' identifiers, by gameballId after `after` (a scan in pages). */
export async function profilePage(
  db: Db,
  accountId: string,
  after: number,
  limit: number,
): Promise<
  Array<{
    gameball_id: number;
    email: string | null;
    mobile: string | null;
    email_key: string | null;
    mobile_key: string | null;
  }>
> {
  return db
    .selectFrom('profiles')
    .select(['gameball_id', 'email', 'mobile', 'email_key', 'mobile_key'])
    .where('account_id', '=', accountId)
    .where('gameball_id', '>', after)
    .orderBy('gameball_id')
    .limit(limit)
    .execute();
}

/** The customerId that names a profile in events and listings (the rule above). */
export async function firstCustomerId(
  sql: SqlRunner,
  accountId: string,
  gameballId: number,
): Promise<string | undefined> {
  return (await listCustomerIds(sql, accountId, gameballId))[0];
}

/** The account's profiles with more than `count` customerIds (a merge cap's preview). */
export async function profilesWithMoreCustomerIdsThan(
  db: Db,
  accountId: string,
  count: number,
): Promise<Array<{ gameballId: number; customerIds: number }>> {
  const rows = await db
    .selectFrom('customer_ids')
    .select(['gameball_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('account_id', '=', accountId)
    .groupBy('gameball_id')
    .having((eb) => eb.fn.countAll(), '>', count)
    .orderBy('gameball_id')
    .execute();
  return rows.map((row) => ({ gameballId: Number(row.gameball_id), customerIds: Number(row.n) }));
}
