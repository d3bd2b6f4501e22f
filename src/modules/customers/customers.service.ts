import type { Db } from '../../db/database.js';
import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import { emailKey, mobileKey } from '../identity/merge-keys.js';
import { generateReferralCode } from '../referrals/referral-code.js';
import { findReferralOfReferee, insertReferral, markReferralActive, type ReferralStatus } from '../referrals/referrals.store.js';
import type { UpsertCustomerRequest } from './customers.schemas.js';
import {
  attachCustomerId,
  deleteProfile,
  findProfileByMergeKey,
  findProfileByCustomerId,
  findProfileByReferralCode,
  getProfile,
  insertProfile,
  isReferralCodeTaken,
  listCustomerIds,
  retireReferralCode,
  updateProfile,
} from './customers.store.js';
import type { Profile, ProfileState } from './customers.types.js';
import { applyUpsert, EMPTY_PROFILE, profileChanged } from './profile-patch.js';
import { customerDeleted, customerMerged, profileUpdated, referralCompleted } from '../webhooks/webhook-payloads.js';
import { notifyQueued, openOutbox } from '../webhooks/webhooks.outbox.js';
import { missingIdentifier, readUpsertInput, type UpsertInput } from './upsert-input.js';

export interface UpsertResult {
  gameballId: number;
  created: boolean;
  merged: boolean;
}

/** Where a request lands: the rules of SPEC "Identity", in order. */
type Resolution =
  | { kind: 'existing'; profile: Profile }
  | { kind: 'merge'; profile: Profile }
  | { kind: 'new' };

async function resolve(trx: Db, account: AccountRecord, input: UpsertInput): Promise<Resolution> {
  const byCustomerId = await findProfileByCustomerId(trx, account.id, input.customerId);
  const byIdentifier = input.identifier
    ? await findProfileByMergeKey(trx, account.id, input.identifier.kind, input.identifier.key)
    : undefined;
  if (byCustomerId !== undefined) {
    if (byIdentifier !== undefined && byIdentifier.gameballId !== byCustomerId.gameballId) {
      const { field, key } = input.identifier!;
      const conflict = new AppError(
        'identifierConflict',
        `The ${field} "${key}" already belongs to another customer profile than customerId "${input.customerId}". Use that profile's customerId, or send a different ${field}.`,
        field,
      );
      conflict.secretDetail = `(${field} of gameballId ${byIdentifier.gameballId}; customerId "${input.customerId}" is gameballId ${byCustomerId.gameballId}.)`;
      throw conflict;
    }
    return { kind: 'existing', profile: byCustomerId };
  }
  if (byIdentifier !== undefined) return { kind: 'merge', profile: byIdentifier };
  if (input.requiredIdentifier && !input.identifier) throw missingIdentifier(input.requiredIdentifier);
  return { kind: 'new' };
}

/** Merge keys follow the stored values, and exist only for the identifier the account merges by. */
function mergeKeysOf(account: AccountRecord, state: ProfileState): Pick<Profile, 'emailKey' | 'mobileKey'> {
  return {
    emailKey: account.mergeBy === 'email' && state.email ? emailKey(state.email) ?? null : null,
    mobileKey: account.mergeBy === 'mobile' && state.mobile ? mobileKey(state.mobile, account.defaultCountry) ?? null : null,
  };
}

async function uniqueReferralCode(trx: Db, accountId: string): Promise<string> {
  for (;;) {
    const code = generateReferralCode();
    if (!(await isReferralCodeTaken(trx, accountId, code))) return code;
  }
}

function referralIsComplete(account: AccountRecord, state: ProfileState): boolean {
  if (account.referralCompletion === 'signup') return !state.guest;
  const orders = state.attributes.totalOrders;
  return typeof orders === 'number' && orders >= 1;
}

/** The referrer a request's referrerCode names, or the 422 the SPEC asks for. */
async function findReferrer(trx: Db, account: AccountRecord, code: string, selfId: number | undefined): Promise<number> {
  const referrer = await findProfileByReferralCode(trx, account.id, code);
  if (!referrer) throw invalid('referrerCode', `no customer of this account has referral code "${code}"`);
  if (referrer.gameballId === selfId) throw invalid('referrerCode', 'a customer cannot refer themselves');
  if (!referrer.isActive) throw invalid('referrerCode', `referral code "${code}" belongs to an inactive customer`);
  return referrer.gameballId;
}

/**
 * Resolves the request's profile and locks it. The profile lock comes after the key locks and
 * never before another key lock, so no two requests wait on each other in a cycle. Where other
 * writers run beside us (PostgreSQL), the resolution is checked again under the profile lock:
 * a concurrent request may have moved the identifier off that profile meanwhile.
 */
async function resolveAndLock(
  store: Store,
  trx: Db,
  account: AccountRecord,
  input: UpsertInput,
): Promise<{ resolution: Resolution; current: Profile | undefined }> {
  let resolution = await resolve(trx, account, input);
  for (let attempt = 0; ; attempt++) {
    if (resolution.kind === 'new') return { resolution, current: undefined };
    // SQLite: the transaction holds the database's write lock, so what we read is current.
    if (store.dialect.serialisesWriters) return { resolution, current: resolution.profile };
    const { gameballId } = resolution.profile;
    await store.dialect.lockKeys(trx, [`${account.id}:profile:${gameballId}`]);
    // Read again under the lock: this read is current, and says whether the request still lands here.
    const again = await resolve(trx, account, input);
    if (again.kind === resolution.kind && again.profile.gameballId === gameballId) return { resolution: again, current: again.profile };
    if (attempt >= 3) throw new Error(`customer ${input.customerId} kept moving between profiles`);
    resolution = again;
  }
}

/**
 * Create/Update Customer. One transaction: key locks (customerId, merge identifier), then the
 * profile's own lock, then reads and writes. Everything is checked before the first write,
 * so a rejected request changes nothing.
 */
export async function upsertCustomer(store: Store, account: AccountRecord, body: UpsertCustomerRequest): Promise<UpsertResult> {
  const input = readUpsertInput(account, body);
  const keys = [`${account.id}:customerId:${input.customerId}`];
  if (input.identifier) keys.push(`${account.id}:${input.identifier.kind}:${input.identifier.key}`);

  const result = await store.dialect.transaction(store.db, async (trx) => {
    await store.dialect.lockKeys(trx, keys);
    const { resolution, current } = await resolveAndLock(store, trx, account, input);
    const now = new Date().toISOString();
    const before = current ?? EMPTY_PROFILE;
    const next = applyUpsert(before, input, now);

    const creating = current === undefined;
    const registering = current !== undefined && current.guest && !next.guest;
    const honourReferrer = input.referrerCode !== undefined && (creating || (registering && !current!.isReferred));
    const referrerId = honourReferrer ? await findReferrer(trx, account, input.referrerCode!, current?.gameballId) : undefined;

    if (!next.guest && !next.referralCode) next.referralCode = await uniqueReferralCode(trx, account.id);
    if (referrerId !== undefined) next.isReferred = true;

    // A merge changes the profile even when no field does: it gains a customerId.
    const changed = creating || resolution.kind === 'merge' || profileChanged(before, next);
    let stored: Profile;
    if (current === undefined) {
      const fresh = { ...next, ...mergeKeysOf(account, next), accountId: account.id, createdAt: now, updatedAt: now };
      stored = { ...fresh, gameballId: await insertProfile(trx, fresh) };
      await attachCustomerId(trx, account.id, input.customerId, stored.gameballId, now);
    } else {
      stored = { ...current, ...next, ...mergeKeysOf(account, next), updatedAt: now };
      if (resolution.kind === 'merge') await attachCustomerId(trx, account.id, input.customerId, stored.gameballId, now);
      if (changed) await updateProfile(trx, stored);
    }
    const gameballId = stored.gameballId;

    const outbox = await openOutbox(trx, account);
    if (changed && outbox.wants('customer.profile.updated')) outbox.add(profileUpdated(account, stored, input.customerId));
    if (resolution.kind === 'merge' && outbox.wants('customer.merged')) {
      outbox.add(customerMerged(stored, input.customerId, account.mergeBy, await listCustomerIds(trx, gameballId)));
    }

    const completed = referralIsComplete(account, next);
    let completedReferrer: number | undefined;
    if (referrerId !== undefined) {
      const status: ReferralStatus = completed ? 'Active' : 'Pending';
      await insertReferral(trx, { accountId: account.id, referrerGameballId: referrerId, refereeGameballId: gameballId, status, now });
      if (completed) completedReferrer = referrerId;
    } else if (completed && current?.isReferred) {
      const referral = await findReferralOfReferee(trx, gameballId);
      if (referral?.status === 'Pending') {
        await markReferralActive(trx, referral.id, now);
        completedReferrer = referral.referrerGameballId;
      }
    }
    if (completedReferrer !== undefined && outbox.wants('referral.completed')) {
      const referrer = await getProfile(trx, completedReferrer);
      const [referrerCustomerId] = await listCustomerIds(trx, completedReferrer);
      if (referrer && referrerCustomerId !== undefined) {
        outbox.add(referralCompleted({ gameballId: referrer.gameballId, customerId: referrerCustomerId, referralCode: referrer.referralCode }, { gameballId, customerId: input.customerId }, now));
      }
    }
    const queued = await outbox.flush(now);
    return { gameballId, created: creating, merged: resolution.kind === 'merge', queued };
  });
  notifyQueued(result.queued);
  return { gameballId: result.gameballId, created: result.created, merged: result.merged };
}

export interface CustomerRecord {
  profile: Profile;
  /** The customerId the caller used to reach the profile. */
  customerId: string;
}

function notFound(customerId: string): AppError {
  return new AppError('notFound', `No customer with customerId "${customerId}" in this account.`);
}

/**
 * The profile a customerId reaches, locked for the rest of the transaction. Same discipline as
 * the upsert's resolution: on SQLite the first read is current; elsewhere the profile is locked
 * and read again, following the customerId if a concurrent delete and re-create moved it.
 */
async function lockedProfile(store: Store, trx: Db, account: AccountRecord, customerId: string): Promise<Profile> {
  let found = await findProfileByCustomerId(trx, account.id, customerId);
  for (let attempt = 0; ; attempt++) {
    if (!found) throw notFound(customerId);
    if (store.dialect.serialisesWriters) return found;
    await store.dialect.lockKeys(trx, [`${account.id}:profile:${found.gameballId}`]);
    const current = await findProfileByCustomerId(trx, account.id, customerId);
    if (current && current.gameballId === found.gameballId) return current;
    if (attempt >= 3) throw new Error(`customer ${customerId} kept moving between profiles`);
    found = current;
  }
}

/**
 * A read-modify-write of one profile reached by any of its customerIds, for operations other
 * than the upsert (activation, tags). Writes only when `change` alters something.
 */
export async function changeProfile(
  store: Store,
  account: AccountRecord,
  customerId: string,
  change: (profile: Profile) => ProfileState,
): Promise<{ before: Profile; after: Profile; changed: boolean }> {
  const result = await store.dialect.transaction(store.db, async (trx) => {
    const before = await lockedProfile(store, trx, account, customerId);
    const next = change(before);
    if (!profileChanged(before, next)) return { before, after: before, changed: false, queued: 0 };
    const now = new Date().toISOString();
    const after: Profile = { ...before, ...next, updatedAt: now };
    await updateProfile(trx, after);
    const outbox = await openOutbox(trx, account);
    if (outbox.wants('customer.profile.updated')) outbox.add(profileUpdated(account, after, customerId));
    return { before, after, changed: true, queued: await outbox.flush(now) };
  });
  notifyQueued(result.queued);
  return result;
}

/** Opts a customer in or out; idempotent. */
export async function setCustomerActive(
  store: Store,
  account: AccountRecord,
  customerId: string,
  isActive: boolean,
): Promise<{ isActive: boolean; stateChanged: boolean }> {
  const { after, changed } = await changeProfile(store, account, customerId, (p) => ({ ...p, isActive }));
  return { isActive: after.isActive, stateChanged: changed };
}

/**
 * Deletes the profile reached by any of its customerIds, with all its customerIds, PII,
 * devices and tags. Its gameballId is never reused (the sequence only grows) and its referral
 * code is retired so it is never handed out again.
 */
export async function deleteCustomer(store: Store, account: AccountRecord, customerId: string): Promise<{ gameballId: number }> {
  const result = await store.dialect.transaction(store.db, async (trx) => {
    const profile = await lockedProfile(store, trx, account, customerId);
    const now = new Date().toISOString();
    const outbox = await openOutbox(trx, account);
    if (outbox.wants('customer.deleted')) outbox.add(customerDeleted(profile.gameballId, customerId, await listCustomerIds(trx, profile.gameballId)));
    if (profile.referralCode) await retireReferralCode(trx, account.id, profile.referralCode, now);
    await deleteProfile(trx, profile.gameballId);
    return { gameballId: profile.gameballId, queued: await outbox.flush(now) };
  });
  notifyQueued(result.queued);
  return { gameballId: result.gameballId };
}

export async function getCustomer(db: Db, account: AccountRecord, customerId: string): Promise<CustomerRecord> {
  const profile = await findProfileByCustomerId(db, account.id, customerId);
  if (!profile) throw notFound(customerId);
  return { profile, customerId };
}

export async function getCustomerWithIds(db: Db, account: AccountRecord, customerId: string): Promise<CustomerRecord & { customerIds: string[] }> {
  const record = await getCustomer(db, account, customerId);
  return { ...record, customerIds: await listCustomerIds(db, record.profile.gameballId) };
}
