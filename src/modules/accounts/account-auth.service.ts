import type { Store } from '../../db/connect.js';
import type { Db } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { hashKey, keyMatches } from './account-keys.js';
import { sessionTokenSecret } from './accounts.service.js';
import { findAccountByApiKeyHash } from './accounts.store.js';
import type { AccountRecord, ApiVersion } from './accounts.types.js';
import { verifySessionToken } from './session-token.js';

/** Who is calling: the account of an apiKey, the secretKey or session token it proves. */

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

export interface Credentials {
  apiKey: string | undefined;
  secretKey: string | undefined;
  /** X-GB-TOKEN, read only on API v4.1 operations that accept it. */
  sessionToken?: string | undefined;
}

export interface Call {
  /** The operation needs the secretKey (or, where accepted, a session token). */
  needsSecret: boolean;
  /** Under /api/v4.0 or /api/v4.1; undefined for Patron's own routes. */
  apiVersion?: ApiVersion | undefined;
  /** The operation is one the mobile SDKs call with X-GB-TOKEN in place of the secretKey. */
  acceptsSessionToken?: boolean;
}

export interface Authenticated {
  account: AccountRecord;
  /** The customerId a verified session token is for: the call must be about that customer. */
  sessionCustomerId?: string;
}

function checkSecretKey(account: AccountRecord, secretKey: string | undefined, why: string): void {
  if (!secretKey) throw new AppError('invalidSecretKey', `${why} the secretkey header.`);
  if (!keyMatches(secretKey, account.secretKeyHash))
    throw new AppError('invalidSecretKey', "The secretkey header does not match this account's secret key.");
}

function secretReason(account: AccountRecord, call: Call): string | undefined {
  if (call.needsSecret) return 'This operation needs';
  if (call.apiVersion === '4.1') {
    return call.acceptsSessionToken
      ? 'API v4.1 needs, on every call, an X-GB-TOKEN session token (this operation accepts one) or'
      : 'API v4.1 needs, on every call,';
  }
  return account.highSecurity ? 'This account is in high-security mode: every operation needs' : undefined;
}

/**
 * Finds the account of an apiKey, applies its minimum API version, and checks the secretKey —
 * or the session token standing in for it — where the call needs it. A session token sent to
 * an operation that accepts one is always verified, even beside a secretKey.
 */
export async function authenticate(store: Store, credentials: Credentials, call: Call): Promise<Authenticated> {
  if (!credentials.apiKey)
    throw new AppError(
      'missingApiKey',
      "The apikey header is missing. Send your account's apiKey in the apikey header.",
    );
  const account = await accountOfApiKey(store.db, credentials.apiKey);
  if (!account)
    throw new AppError(
      'missingApiKey',
      'The apikey header does not match any account. Check the key, or rotate it with `patron accounts rotate-keys`.',
    );
  if (call.apiVersion === '4.0' && account.minimumApiVersion === '4.1') {
    throw new AppError(
      'forbidden',
      "This account's minimum API version is 4.1: call /api/v4.1/integrations/… with both keys (or a session token where accepted).",
    );
  }
  const why = secretReason(account, call);
  if (call.acceptsSessionToken && call.apiVersion === '4.1' && credentials.sessionToken !== undefined) {
    const found = sessionTokenSecret(store.masterKey, account);
    if ('problem' in found)
      throw new AppError(
        'sessionTokensUnavailable',
        `Session tokens cannot be verified for this account: ${found.problem}. Send the secretkey header instead.`,
      );
    const claims = await verifySessionToken(credentials.sessionToken, found.secret);
    if (credentials.secretKey !== undefined) checkSecretKey(account, credentials.secretKey, '');
    return { account, sessionCustomerId: claims.customerId };
  }
  if (why) checkSecretKey(account, credentials.secretKey, why);
  return { account };
}

/** Whether a request also proved the account's secretKey (for details only such callers see). */
export function holdsSecretKey(account: AccountRecord, secretKey: string | undefined): boolean {
  return secretKey !== undefined && keyMatches(secretKey, account.secretKeyHash);
}
