import { isSupportedCountry } from 'libphonenumber-js';
import type { Store } from '../../db/connect.js';
import type { Db } from '../../db/database.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError, invalid } from '../../errors.js';
import { durationSeconds } from '../../validation.js';
import type { MasterKey } from '../../keys/master-key.js';
import { generateAccountId, generateKey, generateSecretKey, hashKey } from './account-keys.js';
import { createSessionToken, type SessionClaims } from './session-token.js';
import { forgetAccount } from './account-auth.service.js';
import { checkMergeBlocks } from './merge-blocks.js';
import {
  countAccounts,
  findAccountById,
  insertAccount,
  listAccounts,
  setHasWebhooks,
  updateAccount,
} from './accounts.store.js';
import {
  API_VERSIONS,
  MERGE_BY,
  REFERRAL_COMPLETION,
  type Account,
  type AccountKeys,
  type AccountRecord,
  type AccountSettings,
} from './accounts.types.js';

export type SettingsInput = Partial<AccountSettings>;

/** Far above what one account can send; a typo of a few zeros is refused. */
export const MAX_RATE_LIMIT = 1_000_000;

/** Chosen from `npm run bench:duplicates` (docs/duplicates.md "How good the suggestions are"). */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.8;

const DEFAULT_SETTINGS: AccountSettings = {
  mergeBy: 'none',
  defaultCountry: null,
  referralLinkBase: null,
  referralCompletion: 'firstOrder',
  highSecurity: false,
  minimumApiVersion: '4.0',
  rateLimitWrites: 0,
  rateLimitReads: 0,
  rateLimitBulk: 0,
  mergeCap: 10,
  mergeBlocks: [],
  defaultMergeBlocks: true,
  duplicateDetection: true,
  duplicateThreshold: DEFAULT_DUPLICATE_THRESHOLD,
};

function publicAccount(record: AccountRecord): Account {
  const {
    apiKeyHash: _a,
    secretKeyHash: _s,
    hashSecret: _h,
    hasWebhooks: _w,
    sealedSecretKey: _k,
    ...account
  } = record;
  return account;
}

/** The secretKey sealed for this account, or null when this Patron has no master key. */
function sealSecret(masterKey: MasterKey | undefined, accountId: string, secretKey: string): string | null {
  return masterKey ? masterKey.seal(secretKey, accountId) : null;
}

/**
 * The account's secretKey in clear, to verify a session token with; or why there is none. The
 * reasons are the operator's to fix, and each message says how.
 */
export function sessionTokenSecret(
  masterKey: MasterKey | undefined,
  account: AccountRecord,
): { secret: string } | { problem: string } {
  if (!masterKey) return { problem: 'this Patron has no master key (set PATRON_MASTER_KEY on every node)' };
  if (!account.sealedSecretKey)
    return {
      problem: "the account's secretKey predates the master key: rotate the keys (`patron accounts rotate-keys`)",
    };
  const opened = masterKey.open(account.sealedSecretKey, account.id);
  if ('plain' in opened) return { secret: opened.plain };
  return opened.problem === 'other-key'
    ? {
        problem:
          "the account's secretKey was sealed under another master key: give this node that key, or rotate the account's keys",
      }
    : { problem: "the account's sealed secretKey is damaged: rotate the account's keys" };
}

/** A session token lives 1 s to 30 days. */
const TOKEN_TTL = { min: 1, max: 30 * 86_400, range: '1 s to 30 d' };

/** `patron tokens create`: a session token for trying the SDK path, made as a merchant's backend would. */
export async function mintSessionToken(
  store: Store,
  accountId: string,
  claims: Omit<SessionClaims, 'exp'>,
  ttl: string,
): Promise<{ token: string; expiresAt: string }> {
  const record = await findAccountById(store.db, accountId);
  if (!record) throw new AppError('notFound', `No account with id "${accountId}".`);
  const customerId = claims.customerId.trim();
  if (customerId === '' || customerId.length > 100) throw invalid('customerId', 'must be 1 to 100 characters');
  const seconds = durationSeconds(ttl, TOKEN_TTL);
  const found = sessionTokenSecret(store.masterKey, record);
  if ('problem' in found)
    throw new AppError('sessionTokensUnavailable', `No session token can be made for this account: ${found.problem}.`);
  return createSessionToken(found.secret, { ...claims, customerId }, seconds);
}

/** For `accounts show`: whether session tokens can be verified for the account, and if not why. */
export async function sessionTokenStatus(store: Store, id: string): Promise<string> {
  const record = await findAccountById(store.db, id);
  if (!record) throw new AppError('notFound', `No account with id "${id}".`);
  const found = sessionTokenSecret(store.masterKey, record);
  return 'secret' in found ? 'ready' : `unavailable: ${found.problem}`;
}

/** The largest mergeCap: past it a cap protects nothing. */
export const MAX_MERGE_CAP = 100_000;

function checkSettings(input: SettingsInput): SettingsInput {
  const out: SettingsInput = { ...input };
  if (input.mergeBy !== undefined) {
    // `email, mobile` and `EMAIL,mobile` say the same thing.
    const mergeBy = input.mergeBy.replace(/\s+/g, '').toLowerCase() as typeof input.mergeBy;
    if (!MERGE_BY.includes(mergeBy)) throw invalid('mergeBy', `must be one of ${MERGE_BY.join(', ')}`);
    out.mergeBy = mergeBy;
  }
  if (input.referralCompletion !== undefined && !REFERRAL_COMPLETION.includes(input.referralCompletion)) {
    throw invalid('referralCompletion', `must be one of ${REFERRAL_COMPLETION.join(', ')}`);
  }
  if (input.minimumApiVersion !== undefined && !API_VERSIONS.includes(input.minimumApiVersion)) {
    throw invalid('minimumApiVersion', `must be one of ${API_VERSIONS.join(', ')}`);
  }
  for (const field of ['rateLimitWrites', 'rateLimitReads', 'rateLimitBulk'] as const) {
    const value = input[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_RATE_LIMIT)) {
      throw invalid(
        field,
        `must be a whole number of ${field === 'rateLimitBulk' ? 'batch items' : 'requests'} per second from 0 (no limit) to ${MAX_RATE_LIMIT}`,
      );
    }
  }
  if (
    input.mergeCap !== undefined &&
    !(Number.isInteger(input.mergeCap) && input.mergeCap >= 0 && input.mergeCap <= MAX_MERGE_CAP)
  )
    throw invalid('mergeCap', `must be a whole number of customerIds from 0 (no cap) to ${MAX_MERGE_CAP}`);
  if (
    input.duplicateThreshold !== undefined &&
    !(Number.isFinite(input.duplicateThreshold) && input.duplicateThreshold > 0 && input.duplicateThreshold <= 1)
  )
    throw invalid('duplicateThreshold', 'must be a score above 0 and at most 1, such as 0.8');
  if (input.mergeBlocks !== undefined) out.mergeBlocks = checkMergeBlocks(input.mergeBlocks);
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
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw invalid('referralLinkBase', 'must be an absolute http(s) URL');
  }
  return out;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) throw invalid('name', 'must be 1 to 200 characters');
  return trimmed;
}

export function createAccount(
  store: Store,
  name: string,
  settings: SettingsInput = {},
): Promise<{ account: Account; keys: AccountKeys }> {
  return insertNewAccount(store.db, store.masterKey, name, settings);
}

async function insertNewAccount(
  db: Db,
  masterKey: MasterKey | undefined,
  name: string,
  settings: SettingsInput,
): Promise<{ account: Account; keys: AccountKeys }> {
  const keys: AccountKeys = { apiKey: generateKey('pk'), secretKey: generateSecretKey() };
  const now = new Date().toISOString();
  const id = generateAccountId();
  const record: AccountRecord = {
    ...DEFAULT_SETTINGS,
    ...checkSettings(settings),
    id,
    name: checkName(name),
    createdAt: now,
    updatedAt: now,
    apiKeyHash: hashKey(keys.apiKey),
    secretKeyHash: hashKey(keys.secretKey),
    hashSecret: generateKey('hs'),
    hasWebhooks: false,
    sealedSecretKey: sealSecret(masterKey, id, keys.secretKey),
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
export async function setWebhookFlag(tx: WriteTx, accountId: string, hasWebhooks: boolean): Promise<void> {
  await setHasWebhooks(tx.db, accountId, hasWebhooks);
}

export async function changeAccount(
  store: Store,
  id: string,
  changes: SettingsInput & { name?: string },
): Promise<Account> {
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
  const changes = {
    apiKeyHash: hashKey(keys.apiKey),
    secretKeyHash: hashKey(keys.secretKey),
    sealedSecretKey: sealSecret(store.masterKey, id, keys.secretKey),
  };
  await updateAccount(db, id, changes, new Date().toISOString());
  forgetAccount(id);
  return { account: await getAccount(store, id), keys };
}

/**
 * On a store with no account, creates `default` and returns its keys (once). Under a lock, so
 * several nodes starting together on an empty database create one account, not several.
 */
export async function ensureDefaultAccount(store: Store): Promise<{ account: Account; keys: AccountKeys } | undefined> {
  return store.write(
    async ({ db }) => {
      if ((await countAccounts(db)) > 0) return undefined;
      return insertNewAccount(db, store.masterKey, 'default', {});
    },
    ['accounts:first-start'],
  );
}
