import type { Selectable } from 'kysely';
import { dbBool, readJson, type AccountsTable, type Db } from '../../db/database.js';
import type { AccountRecord, AccountSettings } from './accounts.types.js';

function toAccount(row: Selectable<AccountsTable>): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    mergeBy: row.merge_by,
    defaultCountry: row.default_country,
    referralLinkBase: row.referral_link_base,
    referralCompletion: row.referral_completion,
    highSecurity: Boolean(row.high_security),
    minimumApiVersion: row.minimum_api_version,
    rateLimitWrites: Number(row.rate_limit_writes),
    rateLimitReads: Number(row.rate_limit_reads),
    rateLimitBulk: Number(row.rate_limit_bulk),
    mergeCap: Number(row.merge_cap),
    mergeBlocks: readJson<string[]>(row.merge_blocks, []),
    defaultMergeBlocks: Boolean(row.default_merge_blocks),
    duplicateDetection: Boolean(row.duplicate_detection),
    duplicateThreshold: Number(row.duplicate_threshold),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    apiKeyHash: row.api_key_hash,
    secretKeyHash: row.secret_key_hash,
    hashSecret: row.hash_secret,
    hasWebhooks: Boolean(row.has_webhooks),
    sealedSecretKey: row.secret_key_sealed,
  };
}

export async function insertAccount(db: Db, account: AccountRecord): Promise<void> {
  await db
    .insertInto('accounts')
    .values({
      id: account.id,
      name: account.name,
      api_key_hash: account.apiKeyHash,
      secret_key_hash: account.secretKeyHash,
      merge_by: account.mergeBy,
      default_country: account.defaultCountry,
      referral_link_base: account.referralLinkBase,
      referral_completion: account.referralCompletion,
      high_security: dbBool(account.highSecurity),
      hash_secret: account.hashSecret,
      has_webhooks: dbBool(account.hasWebhooks),
      secret_key_sealed: account.sealedSecretKey,
      minimum_api_version: account.minimumApiVersion,
      rate_limit_writes: account.rateLimitWrites,
      rate_limit_reads: account.rateLimitReads,
      rate_limit_bulk: account.rateLimitBulk,
      merge_cap: account.mergeCap,
      merge_blocks: JSON.stringify(account.mergeBlocks),
      default_merge_blocks: dbBool(account.defaultMergeBlocks),
      duplicate_detection: dbBool(account.duplicateDetection),
      duplicate_threshold: account.duplicateThreshold,
      created_at: account.createdAt,
      updated_at: account.updatedAt,
    })
    .execute();
}

export async function findAccountById(db: Db, id: string): Promise<AccountRecord | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAccount(row);
}

export async function findAccountByApiKeyHash(db: Db, apiKeyHash: string): Promise<AccountRecord | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('api_key_hash', '=', apiKeyHash).executeTakeFirst();
  return row && toAccount(row);
}

export async function listAccounts(db: Db): Promise<AccountRecord[]> {
  const rows = await db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toAccount);
}

export async function countAccounts(db: Db): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateAccount(
  db: Db,
  id: string,
  changes: Partial<
    AccountSettings & { name: string; apiKeyHash: string; secretKeyHash: string; sealedSecretKey: string | null }
  >,
  updatedAt: string,
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.mergeBy !== undefined && { merge_by: changes.mergeBy }),
      ...(changes.defaultCountry !== undefined && { default_country: changes.defaultCountry }),
      ...(changes.referralLinkBase !== undefined && { referral_link_base: changes.referralLinkBase }),
      ...(changes.referralCompletion !== undefined && { referral_completion: changes.referralCompletion }),
      ...(changes.highSecurity !== undefined && { high_security: dbBool(changes.highSecurity) }),
      ...(changes.minimumApiVersion !== undefined && { minimum_api_version: changes.minimumApiVersion }),
      ...(changes.rateLimitWrites !== undefined && { rate_limit_writes: changes.rateLimitWrites }),
      ...(changes.rateLimitReads !== undefined && { rate_limit_reads: changes.rateLimitReads }),
      ...(changes.rateLimitBulk !== undefined && { rate_limit_bulk: changes.rateLimitBulk }),
      ...(changes.mergeCap !== undefined && { merge_cap: changes.mergeCap }),
      ...(changes.mergeBlocks !== undefined && { merge_blocks: JSON.stringify(changes.mergeBlocks) }),
      ...(changes.defaultMergeBlocks !== undefined && { default_merge_blocks: dbBool(changes.defaultMergeBlocks) }),
      ...(changes.duplicateDetection !== undefined && { duplicate_detection: dbBool(changes.duplicateDetection) }),
      ...(changes.duplicateThreshold !== undefined && { duplicate_threshold: changes.duplicateThreshold }),
      ...(changes.sealedSecretKey !== undefined && { secret_key_sealed: changes.sealedSecretKey }),
      ...(changes.apiKeyHash !== undefined && { api_key_hash: changes.apiKeyHash }),
      ...(changes.secretKeyHash !== undefined && { secret_key_hash: changes.secretKeyHash }),
      updated_at: updatedAt,
    })
    .where('id', '=', id)
    .execute();
}

/** Kept in step with the account's subscriptions, in the transaction that changes them. */
export async function setHasWebhooks(db: Db, accountId: string, hasWebhooks: boolean): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ has_webhooks: dbBool(hasWebhooks) })
    .where('id', '=', accountId)
    .execute();
}
