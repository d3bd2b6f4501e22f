import type { Insertable, Selectable } from 'kysely';
import { dbBool, readJson, type Db, type ProfilesTable } from '../../db/database.js';
import type { MergeKind, Profile, PushDevice } from './customers.types.js';

function toProfile(row: Selectable<ProfilesTable>): Profile {
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
  };
}

function toRow(profile: Omit<Profile, 'gameballId'>): Insertable<ProfilesTable> {
  return {
    account_id: profile.accountId,
    email: profile.email,
    mobile: profile.mobile,
    email_key: profile.emailKey,
    mobile_key: profile.mobileKey,
    attributes: JSON.stringify(profile.attributes),
    custom: JSON.stringify(profile.custom),
    push_devices: JSON.stringify(profile.pushDevices),
    guest: dbBool(profile.guest),
    is_active: dbBool(profile.isActive),
    referral_code: profile.referralCode,
    is_referred: dbBool(profile.isReferred),
    tags: JSON.stringify(profile.tags),
    created_at: profile.createdAt,
    updated_at: profile.updatedAt,
  };
}

export async function findGameballId(db: Db, accountId: string, customerId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('customer_ids')
    .select('gameball_id')
    .where('account_id', '=', accountId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row && Number(row.gameball_id);
}

export async function findProfileByMergeKey(db: Db, accountId: string, kind: MergeKind, key: string): Promise<Profile | undefined> {
  const column = kind === 'email' ? 'email_key' : 'mobile_key';
  const row = await db.selectFrom('profiles').selectAll().where('account_id', '=', accountId).where(column, '=', key).executeTakeFirst();
  return row && toProfile(row);
}

export async function getProfile(db: Db, gameballId: number): Promise<Profile | undefined> {
  const row = await db.selectFrom('profiles').selectAll().where('gameball_id', '=', gameballId).executeTakeFirst();
  return row && toProfile(row);
}

/** The profile a customerId reaches, in one query. */
export async function findProfileByCustomerId(db: Db, accountId: string, customerId: string): Promise<Profile | undefined> {
  const row = await db
    .selectFrom('customer_ids')
    .innerJoin('profiles', 'profiles.gameball_id', 'customer_ids.gameball_id')
    .selectAll('profiles')
    .where('customer_ids.account_id', '=', accountId)
    .where('customer_ids.customer_id', '=', customerId)
    .executeTakeFirst();
  return row && toProfile(row);
}

export async function insertProfile(db: Db, profile: Omit<Profile, 'gameballId'>): Promise<number> {
  const row = await db.insertInto('profiles').values(toRow(profile)).returning('gameball_id').executeTakeFirstOrThrow();
  return Number(row.gameball_id);
}

export async function updateProfile(db: Db, profile: Profile): Promise<void> {
  const { account_id: _account, created_at: _created, ...changes } = toRow(profile);
  await db.updateTable('profiles').set(changes).where('gameball_id', '=', profile.gameballId).execute();
}

export async function attachCustomerId(db: Db, accountId: string, customerId: string, gameballId: number, now: string): Promise<void> {
  await db
    .insertInto('customer_ids')
    .values({ account_id: accountId, customer_id: customerId, gameball_id: gameballId, created_at: now })
    .execute();
}

export async function listCustomerIds(db: Db, gameballId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('customer_ids')
    .select('customer_id')
    .where('gameball_id', '=', gameballId)
    .orderBy('created_at')
    .orderBy('customer_id')
    .execute();
  return rows.map((r) => r.customer_id);
}

export async function findProfileByReferralCode(
  db: Db,
  accountId: string,
  code: string,
): Promise<{ gameballId: number; isActive: boolean } | undefined> {
  const row = await db
    .selectFrom('profiles')
    .select(['gameball_id', 'is_active'])
    .where('account_id', '=', accountId)
    .where('referral_code', '=', code)
    .executeTakeFirst();
  return row && { gameballId: Number(row.gameball_id), isActive: Boolean(row.is_active) };
}

/** Removes the profile; its customerIds and the referrals it gave or received go with it. */
export async function deleteProfile(db: Db, gameballId: number): Promise<void> {
  await db.deleteFrom('profiles').where('gameball_id', '=', gameballId).execute();
}

export async function retireReferralCode(db: Db, accountId: string, code: string, now: string): Promise<void> {
  await db.insertInto('retired_referral_codes').values({ account_id: accountId, code, retired_at: now }).execute();
}

/** Whether a code is held by a profile or was held by a deleted one. */
export async function isReferralCodeTaken(db: Db, accountId: string, code: string): Promise<boolean> {
  const held = await db
    .selectFrom('profiles')
    .select('gameball_id')
    .where('account_id', '=', accountId)
    .where('referral_code', '=', code)
    .unionAll(
      db.selectFrom('retired_referral_codes').select((eb) => eb.lit(0).as('gameball_id')).where('account_id', '=', accountId).where('code', '=', code),
    )
    .executeTakeFirst();
  return held !== undefined;
}
