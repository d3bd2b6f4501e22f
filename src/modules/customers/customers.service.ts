import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import {
  eraseHistory,
  historyKept,
  insertDeleteEntry,
  newHistoryRecord,
  type HistoryRecord,
  type WriteOrigin,
} from '../history/index.js';
import { diffProfiles, type Profile, type ProfileState } from '../profiles/index.js';
import { notifyQueued, openOutbox } from '../webhooks/index.js';
import { listCustomerIds, retireReferralCode } from './customer-reads.store.js';
import { customerDeleted, profileUpdated } from './customer-events.js';
import { eraseRetired, retiredInto } from './retired-profiles.store.js';
import { queueProfileChange } from './profile-changes.store.js';
import { deleteProfile, findGameballId, findProfileByCustomerId, lockProfileByCustomerId } from './customers.store.js';
import { updateProfile } from './profile-writes.store.js';

/**
 * Customers beside the upsert (upsert.engine.ts): reads, activation, tags' and other
 * read-modify-writes of one profile, and delete.
 */

export interface CustomerRecord {
  profile: Profile;
  /** The customerId the caller used to reach the profile. */
  customerId: string;
}

function notFound(customerId: string): AppError {
  return new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);
}

/** The profile a customerId reaches, locked for the rest of the transaction, or the 404. */
export async function lockedProfile(
  store: Store,
  tx: WriteTx,
  account: AccountRecord,
  customerId: string,
): Promise<Profile> {
  const profile = await lockProfileByCustomerId(tx.sql, store.dialect, account.id, customerId);
  if (!profile) throw notFound(customerId);
  return profile;
}

/**
 * A read-modify-write of one profile reached by any of its customerIds, for operations other
 * than the upsert (activation, tags). Writes only when `change` alters something.
 */
export async function changeProfile(
  store: Store,
  account: AccountRecord,
  customerId: string,
  origin: WriteOrigin,
  change: (profile: Profile) => ProfileState,
): Promise<{ before: Profile; after: Profile; changed: boolean }> {
  const result = await store.write(async (tx) => {
    const before = await lockedProfile(store, tx, account, customerId);
    const next = change(before);
    const changes = diffProfiles(before, next);
    if (changes.length === 0) return { before, after: before, changed: false, queued: 0 };
    const now = new Date().toISOString();
    const after: Profile = { ...before, ...next, updatedAt: now, historyHead: historyKept(store, before) };
    const history = newHistoryRecord(store, account.id, origin, customerId, now, changes);
    after.historyHead = await updateProfile(tx.sql, store.dialect, after, { history, before });
    const outbox = await openOutbox(tx, account);
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
  requestId?: string,
): Promise<{ isActive: boolean; stateChanged: boolean }> {
  const { after, changed } = await changeProfile(
    store,
    account,
    customerId,
    { operation: 'activation', requestId },
    (p) => ({ ...p, isActive }),
  );
  return { isActive: after.isActive, stateChanged: changed };
}

/**
 * Deletes the profile reached by any of its customerIds, with all its customerIds, PII,
 * devices and tags. Its gameballId is never reused (the sequence only grows) and its referral
 * code is retired so it is never handed out again.
 */
export async function deleteCustomer(
  store: Store,
  account: AccountRecord,
  customerId: string,
  requestId?: string,
): Promise<{ gameballId: number }> {
  const result = await store.write(async (tx) => {
    const profile = await lockedProfile(store, tx, account, customerId);
    const now = new Date().toISOString();
    const outbox = await openOutbox(tx, account);
    if (outbox.wants('customer.deleted'))
      outbox.add(
        customerDeleted(profile.gameballId, customerId, await listCustomerIds(tx.sql, account.id, profile.gameballId)),
      );
    if (profile.referralCode) await retireReferralCode(tx.sql, account.id, profile.referralCode, now);
    // The history held the profile's personal data: it goes too (walked from the profile, so
    // first), with the profiles explicit merges retired into it, and one entry says what happened.
    await eraseHistory(tx.sql, profile);
    await eraseRetired(tx.sql, await retiredInto(tx.sql, account.id, profile.gameballId));
    await deleteProfile(tx.sql, account.id, profile.gameballId);
    await queueProfileChange(tx.sql, account, profile.gameballId, now);
    if (store.recordsHistory) {
      const entry: HistoryRecord = {
        operation: 'delete',
        requestId,
        accountId: account.id,
        gameballId: profile.gameballId,
        at: now,
        customerId,
        changes: [],
        relatedGameballId: null,
      };
      await insertDeleteEntry(tx.sql, store.dialect, entry);
    }
    return { gameballId: profile.gameballId, queued: await outbox.flush(now) };
  });
  notifyQueued(result.queued);
  return { gameballId: result.gameballId };
}

export async function getCustomer(store: Store, account: AccountRecord, customerId: string): Promise<CustomerRecord> {
  const profile = await store.read((sql) => findProfileByCustomerId(sql, store.dialect, account.id, customerId));
  if (!profile) throw notFound(customerId);
  return { profile, customerId };
}

/** The gameballId a customerId reaches, if any. */
export async function gameballIdOf(
  store: Store,
  account: AccountRecord,
  customerId: string,
): Promise<number | undefined> {
  return store.read((sql) => findGameballId(sql, account.id, customerId));
}

export async function getCustomerWithIds(
  store: Store,
  account: AccountRecord,
  customerId: string,
): Promise<CustomerRecord & { customerIds: string[] }> {
  return store.read(async (sql) => {
    const profile = await findProfileByCustomerId(sql, store.dialect, account.id, customerId);
    if (!profile) throw notFound(customerId);
    return { profile, customerId, customerIds: await listCustomerIds(sql, account.id, profile.gameballId) };
  });
}
