import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import { mergeKinds, type MergeKind } from '../identity/merge-keys.js';
import { generateReferralCode } from '../referrals/referral-code.js';
import { findReferrer, recordReferral, retireCode, unusedReferralCode } from '../referrals/referral-rules.js';
import type { UpsertCustomerRequest } from './customers.schemas.js';
import {
  areSplitSiblings,
  deleteProfile,
  findGameballId,
  findProfileByCustomerId,
  getProfile,
  insertProfileWithCustomerId,
  listCustomerIds,
  lockProfileByCustomerId,
  mergeKeyId,
  resolveMany,
  resolveProfiles,
  type ResolvedMany,
  updateProfile,
} from './customers.store.js';
import type { Profile, ProfileState } from '../profiles/profile.types.js';
import { diffProfiles } from '../profiles/profile-diff.js';
import { eraseHistory, insertDeleteEntry } from '../history/history.store.js';
import type { FieldChange, HistoryRecord, WriteOrigin } from '../history/history.types.js';
import { applyUpsert } from './profile-patch.js';
import { EMPTY_PROFILE } from '../profiles/profile-fields.js';
import { customerDeleted, customerMerged, profileUpdated, referralCompleted } from '../webhooks/webhook-payloads.js';
import { notifyQueued, openOutbox, type Outbox } from '../webhooks/webhooks.outbox.js';
import { missingIdentifier, readUpsertInput, type MergeIdentifier, type UpsertInput } from './upsert-input.js';

export interface UpsertResult {
  gameballId: number;
  created: boolean;
  merged: boolean;
}

/** One request's outcome in a list: its result, or the error it would have been answered. */
export type UpsertOutcome = { ok: true; result: UpsertResult } | { ok: false; error: unknown };

/** Where a request lands: the rules of SPEC "Identity" and docs/identity.md "Merging on several identifiers", in order. */
type Resolution =
  /** `yielded`: identifiers held by a profile split from this one: stored, but not as merge keys. */
  | { kind: 'existing'; profile: Profile; yielded: MergeKind[] }
  | { kind: 'merge'; profile: Profile; by: MergeKind }
  | { kind: 'new' };

/**
 * What a list's transaction knows of its requests' profiles: read set-wise once, then kept
 * current as each request is applied (the list holds the key locks and the rows, so nobody else
 * can change what these keys reach until it commits).
 */
type Known = ResolvedMany;

function identifierConflict(
  input: UpsertInput,
  identifier: MergeIdentifier,
  owner: Profile,
  other: Profile | undefined,
): AppError {
  const { field, key } = identifier;
  const whose = other
    ? `another customer profile than customerId "${input.customerId}"`
    : 'another customer profile than the other identifier of this request';
  const conflict = new AppError(
    'identifierConflict',
    `The ${field} "${key}" already belongs to ${whose}. Use that profile's customerId, or send a different ${field}.`,
    field,
  );
  conflict.secretDetail = other
    ? `(${field} of gameballId ${owner.gameballId}; customerId "${input.customerId}" is gameballId ${other.gameballId}.)`
    : `(${field} of gameballId ${owner.gameballId}.)`;
  return conflict;
}

async function resolve(
  store: Store,
  tx: WriteTx,
  account: AccountRecord,
  input: UpsertInput,
  known: Known | undefined,
): Promise<Resolution> {
  const { byCustomerId, byIdentifier } = known
    ? {
        byCustomerId: known.byCustomerId.get(input.customerId),
        byIdentifier: input.identifiers.map((i) => known.byKey.get(mergeKeyId(i.kind, i.key))),
      }
    : await resolveProfiles(tx.sql, store.dialect, account.id, input.customerId, input.identifiers);
  if (byCustomerId !== undefined) {
    // Each identifier the request carries must be free, already this profile's, or held by a
    // profile an unmerge split from this one (then it is kept as a value, not as a merge key).
    const yielded: MergeKind[] = [];
    for (const [i, identifier] of input.identifiers.entries()) {
      const owner = byIdentifier[i];
      if (owner === undefined || owner.gameballId === byCustomerId.gameballId) continue;
      if (!(await areSplitSiblings(tx.sql, byCustomerId.gameballId, owner.gameballId)))
        throw identifierConflict(input, identifier, owner, byCustomerId);
      yielded.push(identifier.kind);
    }
    return { kind: 'existing', profile: byCustomerId, yielded };
  }
  const owners = input.identifiers.flatMap((identifier, i) =>
    byIdentifier[i] ? [{ identifier, owner: byIdentifier[i]! }] : [],
  );
  const [first, ...others] = owners;
  if (first) {
    // Two profiles are never merged with each other implicitly: the lower priority is named.
    const clash = others.find((o) => o.owner.gameballId !== first.owner.gameballId);
    if (clash) throw identifierConflict(input, clash.identifier, clash.owner, undefined);
    return { kind: 'merge', profile: first.owner, by: first.identifier.kind };
  }
  if (input.requiredIdentifier && input.identifiers.length === 0)
    throw missingIdentifier(input.requiredIdentifier, account.mergeBy);
  return { kind: 'new' };
}

/**
 * The merge keys a write stores. A key exists only while the account merges by its identifier;
 * a carried identifier sets it (resolution checked that it is free or this profile's); one not
 * carried keeps the stored key, unless the value was cleared. So a key is never newly taken by a
 * write that did not check it, and switching mergeBy on applies from each profile's next write.
 */
function mergeKeysOf(
  account: AccountRecord,
  input: UpsertInput,
  current: Profile | undefined,
  next: ProfileState,
  yielded: readonly MergeKind[] = [],
): Pick<Profile, 'emailKey' | 'mobileKey'> {
  const kinds = mergeKinds(account.mergeBy);
  const keyFor = (kind: MergeKind, value: string | null, stored: string | null | undefined): string | null => {
    if (!kinds.includes(kind) || value === null || yielded.includes(kind)) return null;
    return input.identifiers.find((i) => i.kind === kind)?.key ?? stored ?? null;
  };
  return {
    emailKey: keyFor('email', next.email, current?.emailKey),
    mobileKey: keyFor('mobile', next.mobile, current?.mobileKey),
  };
}

/** A new profile with its first customerId and its history entry, and a fresh referral code unless it is a guest's. */
export async function insertNewProfile(
  store: Store,
  tx: WriteTx,
  fresh: Omit<Profile, 'gameballId' | 'historyHead'>,
  customerId: string,
  history: HistoryRecord | undefined,
): Promise<Profile> {
  for (;;) {
    const candidate = fresh.guest ? fresh : { ...fresh, referralCode: generateReferralCode() };
    const inserted = await insertProfileWithCustomerId(tx.sql, store.dialect, candidate, customerId, history);
    // No id: the code drawn is held or retired (one chance in billions); draw again.
    if (inserted !== undefined) return { ...candidate, ...inserted };
  }
}

/** The key locks of one request: its customerId and its merge identifier. */
function lockKeysOf(account: AccountRecord, input: UpsertInput): string[] {
  return [
    `${account.id}:customerId:${input.customerId}`,
    ...input.identifiers.map((i) => `${account.id}:${i.kind}:${i.key}`),
  ];
}

/** A change the store does not record cuts the profile off its history (updateProfile). */
export const historyKept = (store: Store, profile: Profile): number | null =>
  store.recordsHistory ? profile.historyHead : null;

/**
 * The history entry of a change, when the store keeps history: `changes` as diffProfiles told
 * them (the same diff that decided there was a change); undefined: a new profile, whose entry
 * lists no fields (they are read back from the profile, history.store.ts).
 */
export function historyRecord(
  store: Store,
  account: AccountRecord,
  origin: WriteOrigin,
  customerId: string,
  at: string,
  changes: FieldChange[] | undefined,
): HistoryRecord | undefined {
  if (!store.recordsHistory) return undefined;
  // Written out, not spread from `origin`: V8 builds a spread-and-extend literal on a slow path
  // (about 7 µs here), and every write makes one of these.
  return {
    operation: origin.operation,
    requestId: origin.requestId,
    accountId: account.id,
    gameballId: undefined,
    at,
    customerId,
    newProfile: changes === undefined,
    changes: changes ?? [],
    relatedGameballId: null,
  };
}

/**
 * A merge entry names the identifiers the joining customerId sent even where their value did not
 * change: they arrived through it too, and an unmerge must know that (split-profile.ts).
 */
function recordMergeIdentifiers(entry: HistoryRecord, input: UpsertInput, next: ProfileState): void {
  for (const { kind } of input.identifiers) {
    if (!entry.changes.some((c) => c.field === kind))
      entry.changes.push({ field: kind, before: next[kind], after: next[kind] });
  }
}

/**
 * One Create/Update Customer inside the caller's transaction, after its key locks. Everything
 * is checked before the first write, so a rejected request changes nothing.
 */
async function applyUpsertInput(
  store: Store,
  tx: WriteTx,
  outbox: Outbox,
  account: AccountRecord,
  input: UpsertInput,
  known: Known | undefined,
  origin: WriteOrigin,
): Promise<UpsertResult> {
  const resolution = await resolve(store, tx, account, input, known);
  const current = resolution.kind === 'new' ? undefined : resolution.profile;
  const now = new Date().toISOString();
  const before = current ?? EMPTY_PROFILE;
  const next = applyUpsert(before, input, now);

  const creating = current === undefined;
  const registering = current !== undefined && current.guest && !next.guest;
  const honourReferrer = input.referrerCode !== undefined && (creating || (registering && !current!.isReferred));
  const referrerId = honourReferrer
    ? await findReferrer(tx, account, input.referrerCode!, current?.gameballId)
    : undefined;
  if (referrerId !== undefined) next.isReferred = true;
  // A guest who registers gets a referral code (a new profile draws one as it is inserted).
  if (current !== undefined && !next.guest && !next.referralCode)
    next.referralCode = await unusedReferralCode(tx, account.id);

  // A merge changes the profile even when no field does: it gains a customerId.
  const changes = creating ? undefined : diffProfiles(before, next);
  const changed = changes === undefined || resolution.kind === 'merge' || changes.length > 0;
  // A merge is recorded as such whichever way it came (a request, a batch item, an import row).
  const entryOrigin: WriteOrigin = resolution.kind === 'merge' ? { ...origin, operation: 'merge' } : origin;
  let stored: Profile;
  if (current === undefined) {
    const fresh = {
      ...next,
      ...mergeKeysOf(account, input, undefined, next),
      accountId: account.id,
      createdAt: now,
      updatedAt: now,
    };
    stored = await insertNewProfile(
      store,
      tx,
      fresh,
      input.customerId,
      historyRecord(store, account, entryOrigin, input.customerId, now, undefined),
    );
  } else {
    const yielded = resolution.kind === 'existing' ? resolution.yielded : [];
    stored = {
      ...current,
      ...next,
      ...mergeKeysOf(account, input, current, next, yielded),
      updatedAt: now,
      historyHead: historyKept(store, current),
    };
    const attach = resolution.kind === 'merge' ? { customerId: input.customerId, now } : undefined;
    if (changed) {
      const entry = historyRecord(store, account, entryOrigin, input.customerId, now, changes);
      if (entry && resolution.kind === 'merge') recordMergeIdentifiers(entry, input, next);
      stored.historyHead = await updateProfile(tx.sql, store.dialect, stored, attach, entry, current);
    }
  }
  const gameballId = stored.gameballId;
  if (known) remember(known, input.customerId, stored);

  if (changed && outbox.wants('customer.profile.updated'))
    outbox.add(profileUpdated(account, stored, input.customerId));
  if (resolution.kind === 'merge' && outbox.wants('customer.merged')) {
    outbox.add(customerMerged(stored, input.customerId, resolution.by, await listCustomerIds(tx.sql, gameballId)));
  }

  const completedReferrer = await recordReferral(
    tx,
    account,
    { gameballId, state: next, wasReferred: current?.isReferred ?? false },
    referrerId,
    now,
  );
  if (completedReferrer !== undefined && outbox.wants('referral.completed')) {
    const referrer = await getProfile(tx.sql, completedReferrer);
    const [referrerCustomerId] = await listCustomerIds(tx.sql, completedReferrer);
    if (referrer && referrerCustomerId !== undefined) {
      outbox.add(
        referralCompleted(
          { gameballId: referrer.gameballId, customerId: referrerCustomerId, referralCode: referrer.referralCode },
          { gameballId, customerId: input.customerId },
          now,
        ),
      );
    }
  }
  return { gameballId, created: creating, merged: resolution.kind === 'merge' };
}

/** After a request of a list is applied: every key that reaches its profile now reaches it as stored. */
function remember(known: Known, customerId: string, stored: Profile): void {
  known.byCustomerId.set(customerId, stored);
  for (const [id, profile] of known.byCustomerId)
    if (profile.gameballId === stored.gameballId) known.byCustomerId.set(id, stored);
  for (const [key, profile] of known.byKey) if (profile.gameballId === stored.gameballId) known.byKey.delete(key);
  if (stored.emailKey) known.byKey.set(mergeKeyId('email', stored.emailKey), stored);
  if (stored.mobileKey) known.byKey.set(mergeKeyId('mobile', stored.mobileKey), stored);
}

/** Reads every body before any I/O; a body that cannot be read is that item's error. */
function readInputs(account: AccountRecord, bodies: readonly UpsertCustomerRequest[]): Array<UpsertInput | AppError> {
  return bodies.map((body) => {
    try {
      return readUpsertInput(account, body);
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
  });
}

/**
 * Runs a list of upserts in the caller's transaction, in order. A rejected request wrote nothing
 * (everything is checked before the first write) and the others go on; any other failure ends
 * the transaction and is thrown.
 */
async function applyAll(
  store: Store,
  tx: WriteTx,
  account: AccountRecord,
  inputs: Array<UpsertInput | AppError>,
  origins: readonly WriteOrigin[],
): Promise<{ outcomes: UpsertOutcome[]; queued: number }> {
  const outbox = await openOutbox(tx, account);
  const valid = inputs.filter((i): i is UpsertInput => !(i instanceof AppError));
  // A list (PostgreSQL batch and import chunks) resolves set-wise: two reads instead of one per item.
  const known =
    valid.length > 1
      ? await resolveMany(
          tx.sql,
          store.dialect,
          account.id,
          valid.map((i) => i.customerId),
          valid.flatMap((i) => i.identifiers),
        )
      : undefined;
  const outcomes: UpsertOutcome[] = [];
  let queued = 0;
  for (const [i, input] of inputs.entries()) {
    if (input instanceof AppError) {
      outcomes.push({ ok: false, error: input });
      continue;
    }
    try {
      const result = await applyUpsertInput(store, tx, outbox, account, input, known, origins[i]!);
      queued += await outbox.flush(new Date().toISOString());
      outcomes.push({ ok: true, result });
    } catch (error) {
      outbox.discard();
      if (!(error instanceof AppError)) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  return { outcomes, queued };
}

async function writeList(
  store: Store,
  account: AccountRecord,
  inputs: Array<UpsertInput | AppError>,
  origins: readonly WriteOrigin[],
): Promise<UpsertOutcome[]> {
  // Every key of the list is locked as the transaction opens, in one sorted acquisition.
  const keys = inputs.flatMap((input) => (input instanceof AppError ? [] : lockKeysOf(account, input)));
  const { outcomes, queued } = await store.write((tx) => applyAll(store, tx, account, inputs, origins), keys);
  notifyQueued(queued);
  return outcomes;
}

/** One item in its own write; a failure of the store itself (not of the item) is thrown. */
async function writeOne(
  store: Store,
  account: AccountRecord,
  input: UpsertInput | AppError,
  origin: WriteOrigin,
): Promise<UpsertOutcome> {
  // A body that could not be read needs no transaction to be refused.
  if (input instanceof AppError) return { ok: false, error: input };
  try {
    return (await writeList(store, account, [input], [origin]))[0]!;
  } catch (error) {
    if (store.dialect.isConnectionError(error)) throw error;
    return { ok: false, error };
  }
}

/**
 * The write core of Create/Update Customer: a list of requests for one account, one outcome
 * per request, applied in order. The single request is a list of one; batches and imports pass
 * chunks. On the embedded store every item is its own write and the group commit gathers them
 * into one transaction, each in its own savepoint, so an unexpected failure stays with its item.
 * On PostgreSQL the list is one transaction (a round trip per savepoint would cost more than it
 * saves); if it fails for any reason but a rejected item, it is redone one item per transaction.
 */
export async function upsertCustomers(
  store: Store,
  account: AccountRecord,
  bodies: readonly UpsertCustomerRequest[],
  origins: readonly WriteOrigin[] = bodies.map(() => API_UPSERT),
): Promise<UpsertOutcome[]> {
  const inputs = readInputs(account, bodies);
  if (inputs.every((i) => i instanceof AppError)) return inputs.map((error) => ({ ok: false, error }));
  if (inputs.length === 1) return writeList(store, account, inputs, origins);
  if (store.dialect.serialisesWriters)
    return Promise.all(inputs.map((input, i) => writeOne(store, account, input, origins[i]!)));
  try {
    return await writeList(store, account, inputs, origins);
  } catch (error) {
    if (store.dialect.isConnectionError(error)) throw error;
    const outcomes: UpsertOutcome[] = [];
    for (const [i, input] of inputs.entries()) outcomes.push(await writeOne(store, account, input, origins[i]!));
    return outcomes;
  }
}

const API_UPSERT: WriteOrigin = { operation: 'upsert', requestId: undefined };

/** Create/Update Customer for one request. */
export async function upsertCustomer(
  store: Store,
  account: AccountRecord,
  body: UpsertCustomerRequest,
  requestId?: string,
): Promise<UpsertResult> {
  const [outcome] = await upsertCustomers(store, account, [body], [{ operation: 'upsert', requestId }]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

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
    after.historyHead = await updateProfile(
      tx.sql,
      store.dialect,
      after,
      undefined,
      historyRecord(store, account, origin, customerId, now, changes),
      before,
    );
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
      outbox.add(customerDeleted(profile.gameballId, customerId, await listCustomerIds(tx.sql, profile.gameballId)));
    if (profile.referralCode) await retireCode(tx, account.id, profile.referralCode, now);
    // The history held the profile's personal data: it goes too (walked from the profile, so
    // first), and one entry says what happened.
    await eraseHistory(tx.sql, account.id, profile.gameballId);
    await deleteProfile(tx.sql, profile.gameballId);
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
    return { profile, customerId, customerIds: await listCustomerIds(sql, profile.gameballId) };
  });
}
