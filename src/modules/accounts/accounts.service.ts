import { isSupportedCountry } from 'libphonenumber-js';
import type { Store } from '../../db/connect.js';
import type { Db } from '../../db/database.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError, invalid } from '../../errors.js';
import { generateAccountId, generateKey, generateSecretKey, hashKey, keyMatches } from './account-keys.js';
import {
  countAccounts,
  findAccountByApiKeyHash,
  findAccountById,
  insertAccount,
  listAccounts,
  setHasWebhooks,
  updateAccount,
} from './accounts.store.js';
import {
  MERGE_BY,
  REFERRAL_COMPLETION,
  type Account,
  type AccountKeys,
  type AccountRecord,
  type AccountSettings,
} from './accounts.types.js';

export type SettingsInput = Partial<AccountSettings>;

/**
 * Authentication answers from memory for this long: the account lookup was a statement on
 * every request. A change made through another process (the CLI, another node) reaches this
 * node within this bound; one made in this process is seen at once (forgetAccount).
 */
export const ACCOUNT_CACHE_MS = 1_000;
/** Only keys that match an account are kept, so unknown keys cannot fill it; bounded anyway. */
const MAX_CACHED_ACCOUNTS = 10_000;
const cachedAccounts = new Map<string, { account: AccountRecord; until: number }>();

async function accountOfApiKey(db: Db, apiKey: string): Promise<AccountRecord | undefined> {
  const hash = hashKey(apiKey);
  const now = Date.now();
  const hit = cachedAccounts.get(hash);
  if (hit && hit.until > now) return hit.account;
  const account = await findAccountByApiKeyHash(db, hash);
  cachedAccounts.delete(hash);
  if (account) {
    // Oldest first out: a Map iterates in insertion order.
    if (cachedAccounts.size >= MAX_CACHED_ACCOUNTS) cachedAccounts.delete(cachedAccounts.keys().next().value!);
    cachedAccounts.set(hash, { account, until: now + ACCOUNT_CACHE_MS });
  }
  return account;
}

/** Drops an account from this process's cache: its keys or settings just changed here. */
export function forgetAccount(accountId: string): void {
  for (const [hash, entry] of cachedAccounts) if (entry.account.id === accountId) cachedAccounts.delete(hash);
}

const DEFAULT_SETTINGS: AccountSettings = {
  mergeBy: 'none',
  defaultCountry: null,
  referralLinkBase: null,
  referralCompletion: 'firstOrder',
  highSecurity: false,
};

function publicAccount(record: AccountRecord): Account {
  const { apiKeyHash: _a, secretKeyHash: _s, hashSecret: _h, hasWebhooks: _w, ...account } = record;
  return account;
}

function checkSettings(input: SettingsInput): SettingsInput {
  const out: SettingsInput = { ...input };
  if (input.mergeBy !== undefined && !MERGE_BY.includes(input.mergeBy)) {
    throw invalid('mergeBy', `must be one of ${MERGE_BY.join(', ')}`);
  }
  if (input.referralCompletion !== undefined && !REFERRAL_COMPLETION.includes(input.referralCompletion)) {
    throw invalid('referralCompletion', `must be one of ${REFERRAL_COMPLETION.join(', ')}`);
  }
  if (input.defaultCountry !== undefined && input.defaultCountry !== null) {
    const country = input.defaultCountry.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country) || !isSupportedCountry(country)) {
      throw invalid('defaultCountry', 'must be an ISO 3166 alpha-2 country code such as EG or US');
    }
    out.defaultCountry = country;
  }
  if (input.referralLinkBase !== undefined && input.referralLinkBase !== null) {
    let url: URL;
    try {
      url = new URL(input.referralLinkBase);
    } catch {
      throw invalid('referralLinkBase', 'must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('referralLinkBase', 'must be an absolute http(s) URL');
  }
  return out;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) throw invalid('name', 'must be 1 to 200 characters');
  return trimmed;
}

export function createAccount(store: Store, name: string, settings: SettingsInput = {}): Promise<{ account: Account; keys: AccountKeys }> {
  return insertNewAccount(store.db, name, settings);
}

async function insertNewAccount(db: Db, name: string, settings: SettingsInput): Promise<{ account: Account; keys: AccountKeys }> {
  const keys: AccountKeys = { apiKey: generateKey('pk'), secretKey: generateSecretKey() };
  const now = new Date().toISOString();
  const record: AccountRecord = {
    ...DEFAULT_SETTINGS,
    ...checkSettings(settings),
    id: generateAccountId(),
    name: checkName(name),
    createdAt: now,
    updatedAt: now,
    apiKeyHash: hashKey(keys.apiKey),
    secretKeyHash: hashKey(keys.secretKey),
    hashSecret: generateKey('hs'),
    hasWebhooks: false,
  };
  await insertAccount(db, record);
  return { account: publicAccount(record), keys };
}

export async function getAccount(store: Store, id: string): Promise<Account> {
  const record = await findAccountById(store.db, id);
  if (!record) throw new AppError('notFound', `No account with id "${id}".`);
  return publicAccount(record);
}

export async function getAccounts(store: Store): Promise<Account[]> {
  return (await listAccounts(store.db)).map(publicAccount);
}

/** The account with its settings and key hashes, for work done on its behalf (a batch, an import). */
export function findAccountRecord(store: Store, id: string): Promise<AccountRecord | undefined> {
  return findAccountById(store.db, id);
}

/** Inside the caller's transaction: records whether the account has webhook subscriptions. */
export async function refreshWebhookFlag(tx: WriteTx, accountId: string): Promise<void> {
  await setHasWebhooks(tx.db, accountId);
}

export async function changeAccount(store: Store, id: string, changes: SettingsInput & { name?: string }): Promise<Account> {
  const { db } = store;
  await getAccount(store, id);
  const checked = { ...checkSettings(changes), ...(changes.name !== undefined && { name: checkName(changes.name) }) };
  await updateAccount(db, id, checked, new Date().toISOString());
  forgetAccount(id);
  return getAccount(store, id);
}

/** Issues a new key pair; the old keys stop working at once. */
export async function rotateAccountKeys(store: Store, id: string): Promise<{ account: Account; keys: AccountKeys }> {
  const { db } = store;
  await getAccount(store, id);
  const keys: AccountKeys = { apiKey: generateKey('pk'), secretKey: generateSecretKey() };
  await updateAccount(db, id, { apiKeyHash: hashKey(keys.apiKey), secretKeyHash: hashKey(keys.secretKey) }, new Date().toISOString());
  forgetAccount(id);
  return { account: await getAccount(store, id), keys };
}

/**
 * On a store with no account, creates `default` and returns its keys (once). Under a lock, so
 * several nodes starting together on an empty database create one account, not several.
 */
export async function ensureDefaultAccount(store: Store): Promise<{ account: Account; keys: AccountKeys } | undefined> {
  return store.write(async ({ db }) => {
    if ((await countAccounts(db)) > 0) return undefined;
    return insertNewAccount(db, 'default', {});
  }, ['accounts:first-start']);
}

export interface Credentials {
  apiKey: string | undefined;
  secretKey: string | undefined;
}

/**
 * Finds the account of an apiKey and checks the secretKey where the operation (or the
 * account's high-security mode) needs it.
 */
export async function authenticate(store: Store, credentials: Credentials, needsSecret: boolean): Promise<AccountRecord> {
  if (!credentials.apiKey) throw new AppError('missingApiKey', 'The apikey header is missing. Send your account\'s apiKey in the apikey header.');
  const account = await accountOfApiKey(store.db, credentials.apiKey);
  if (!account) throw new AppError('missingApiKey', 'The apikey header does not match any account. Check the key, or rotate it with `patron accounts rotate-keys`.');
  if (needsSecret || account.highSecurity) {
    const why = needsSecret ? 'This operation needs' : 'This account is in high-security mode: every operation needs';
    if (!credentials.secretKey) throw new AppError('invalidSecretKey', `${why} the secretkey header.`);
    if (!keyMatches(credentials.secretKey, account.secretKeyHash)) {
      throw new AppError('invalidSecretKey', 'The secretkey header does not match this account\'s secret key.');
    }
  }
  return account;
}

/** Whether a request also proved the account's secretKey (for details only such callers see). */
export function holdsSecretKey(account: AccountRecord, secretKey: string | undefined): boolean {
  return secretKey !== undefined && keyMatches(secretKey, account.secretKeyHash);
}
