import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import { mergeProtections } from '../../metrics/metrics.js';
import type { AccountRecord } from '../accounts/index.js';
import { historyKept, newHistoryRecord, type WriteOrigin } from '../history/index.js';
import {
  IdentifierConflict,
  lockKeysOf,
  mergeKeyId,
  mergeKeysOf,
  resolveClaim,
  type ClaimLookup,
  type Protection,
  type Resolution,
} from '../identity/index.js';
import { diffProfiles, EMPTY_PROFILE, type FieldChange, type Profile, type ProfileState } from '../profiles/index.js';
import { recordReferral } from '../referrals/index.js';
import { notifyQueued, openOutbox, type Outbox } from '../webhooks/index.js';
import { changesIdentity } from './profile-changes.store.js';
import { firstCustomerId, listCustomerIds } from './customer-reads.store.js';
import { customerMerged, profileUpdated, referralCompleted } from './customer-events.js';
import type { UpsertCustomerRequest } from './customers.schemas.js';
import { areSplitSiblings, getProfile, resolveMany, resolveProfiles, type ResolvedMany } from './customers.store.js';
import { insertNewProfile, updateProfile } from './profile-writes.store.js';
import { applyUpsert } from './profile-patch.js';
import { findReferrer, unusedReferralCode } from './referral-codes.js';
import { readInputs, type UpsertInput } from './upsert-input.js';
import { recordRefusal } from './refusals.store.js';
import { monotonicNow } from '../../clock.js';

/**
 * Create/Update Customer (docs/api.md "The rules in short", docs/identity.md "Merging on several identifiers"):
 * every rule of the upsert, in the order it applies. One request is a list of one; batches and
 * imports pass chunks. Each request is planned (resolved and checked: a rejected request writes
 * nothing), persisted, then its events are emitted into the outbox of the same transaction.
 */

export interface UpsertResult {
  gameballId: number;
  created: boolean;
  merged: boolean;
}

/** One request's outcome in a list: its result, or the error it would have been answered. */
export type UpsertOutcome = { ok: true; result: UpsertResult } | { ok: false; error: unknown };

/**
 * What a list's transaction knows of its requests' profiles: read set-wise once, then kept
 * current as each request is applied (the list holds the key locks and the rows, so nobody else
 * can change what these keys reach until it commits).
 */
type Known = ResolvedMany;

/** One transaction's share of the work: where it writes, for whom, and what it has read. */
interface WriteContext {
  store: Store;
  tx: WriteTx;
  account: AccountRecord;
  outbox: Outbox;
  known: Known | undefined;
  /** The rules of the protections applied so far (counted in /metrics once the transaction commits). */
  protected: Array<Protection['rule']>;
}

/** What one request will do, decided before its first write. */
interface UpsertPlan {
  input: UpsertInput;
  resolution: Resolution;
  /** The profile it changes; undefined: a new profile. */
  current: Profile | undefined;
  next: ProfileState;
  now: string;
  referrerId: number | undefined;
  /** undefined for a new profile (its history entry lists no fields). */
  changes: FieldChange[] | undefined;
  /** A merge changes the profile even when no field does: it gains a customerId. */
  changed: boolean;
  /** A merge is recorded as such whichever way it came (a request, a batch item, an import row). */
  origin: WriteOrigin;
}

/** What planning reads: the transaction, the account, and a list's profiles read so far. */
type PlanContext = Pick<WriteContext, 'store' | 'tx' | 'account' | 'known'>;

async function lookUp({ store, tx, account, known }: PlanContext, input: UpsertInput): Promise<ClaimLookup> {
  if (known)
    return {
      byCustomerId: known.byCustomerId.get(input.customerId),
      byIdentifier: input.identifiers.map((i) => known.byKey.get(mergeKeyId(i.kind, i.key))),
      customerIdCounts: known.customerIdCounts,
    };
  return resolveProfiles(tx.sql, store.dialect, account.id, input.customerId, input.identifiers);
}

export async function plan(ctx: PlanContext, input: UpsertInput, origin: WriteOrigin): Promise<UpsertPlan> {
  const { tx, account } = ctx;
  const resolution = await resolveClaim(account, input, await lookUp(ctx, input), (a, b) =>
    areSplitSiblings(tx.sql, a, b),
  );
  const current = resolution.kind === 'new' ? undefined : resolution.profile;
  const now = monotonicNow();
  const before = current ?? EMPTY_PROFILE;
  const next = applyUpsert(before, input, now);

  const registering = current !== undefined && current.guest && !next.guest;
  const honourReferrer =
    input.referrerCode !== undefined && (current === undefined || (registering && !current.isReferred));
  const referrerId = honourReferrer
    ? await findReferrer(tx, account, input.referrerCode!, current?.gameballId)
    : undefined;
  if (referrerId !== undefined) next.isReferred = true;
  // A guest who registers gets a referral code (a new profile draws one as it is inserted).
  if (current !== undefined && !next.guest && !next.referralCode)
    next.referralCode = await unusedReferralCode(tx, account.id);

  const changes = current === undefined ? undefined : diffProfiles(before, next);
  const merging = resolution.kind === 'merge';
  // A protection that kept this request off another profile is recorded even when nothing else changed.
  const kept = resolution.protections.some((protection) => protection.wouldJoin !== null);
  return {
    input,
    resolution,
    current,
    next,
    now,
    referrerId,
    changes,
    changed: changes === undefined || merging || kept || changes.length > 0,
    origin: merging ? { ...origin, operation: 'merge' } : origin,
  };
}

/**
 * A merge entry names the identifiers the joining customerId sent even where their value did not
 * change: they arrived through it too, and an unmerge must know that (identity/split-profile.ts).
 */
export function recordMergeIdentifiers(changes: FieldChange[], input: UpsertInput, next: ProfileState): void {
  for (const { kind } of input.identifiers) {
    if (!changes.some((c) => c.field === kind)) changes.push({ field: kind, before: next[kind], after: next[kind] });
  }
}

/** Writes the profile (with its history entry) and the referral; answers the profile as stored. */
async function persist(ctx: WriteContext, p: UpsertPlan): Promise<{ stored: Profile; completedReferrer?: number }> {
  const { store, tx, account } = ctx;
  const { input, current, next, now } = p;
  // The entry is made only for a write that records one (every write makes its profile's entry).
  const entry = p.changed ? newHistoryRecord(store, account.id, p.origin, input.customerId, now, p.changes) : undefined;
  if (entry && p.resolution.protections.length > 0) entry.protections = p.resolution.protections;
  // Possible duplicates are scored again when who the person is may have changed (docs/duplicates.md).
  const queue = account.duplicateDetection && (p.resolution.kind === 'merge' || changesIdentity(p.changes));
  let stored: Profile;
  if (current === undefined) {
    const keys = mergeKeysOf(account, input, undefined, next, p.resolution.unindexed);
    const fresh = { ...next, ...keys, accountId: account.id, createdAt: now, updatedAt: now };
    stored = await insertNewProfile(store, tx, fresh, input.customerId, entry, queue);
  } else {
    const keys = mergeKeysOf(account, input, current, next, p.resolution.unindexed);
    stored = { ...current, ...next, ...keys, updatedAt: now, historyHead: historyKept(store, current) };
    const attach = p.resolution.kind === 'merge' ? { customerId: input.customerId, now } : undefined;
    if (p.changed) {
      if (entry && p.resolution.kind === 'merge') {
        recordMergeIdentifiers(entry.changes, input, next);
        const by = p.resolution.by;
        entry.mergedBy = { kind: by, value: input.identifiers.find((i) => i.kind === by)!.key };
      }
      stored.historyHead = await updateProfile(tx.sql, store.dialect, stored, {
        attach,
        history: entry,
        before: current,
        queue,
      });
    }
  }
  if (ctx.known) remember(ctx.known, input.customerId, stored, current === undefined || p.resolution.kind === 'merge');
  const referee = { gameballId: stored.gameballId, state: next, wasReferred: current?.isReferred ?? false };
  const completedReferrer = await recordReferral(tx, account, referee, p.referrerId, now);
  return { stored, completedReferrer };
}

/** The request's webhook events, into the transaction's outbox. */
async function emit(ctx: WriteContext, p: UpsertPlan, stored: Profile, completedReferrer?: number): Promise<void> {
  const { tx, account, outbox } = ctx;
  const { customerId } = p.input;
  for (const protection of p.resolution.protections) ctx.protected.push(protection.rule);
  if (p.changed && outbox.wants('customer.profile.updated')) outbox.add(profileUpdated(account, stored, customerId));
  if (p.resolution.kind === 'merge' && outbox.wants('customer.merged')) {
    const customerIds = await listCustomerIds(tx.sql, stored.gameballId);
    outbox.add(customerMerged(stored, customerId, p.resolution.by, customerIds));
  }
  if (completedReferrer === undefined || !outbox.wants('referral.completed')) return;
  const referrer = await getProfile(tx.sql, completedReferrer);
  const referrerCustomerId = await firstCustomerId(tx.sql, completedReferrer);
  if (referrer && referrerCustomerId !== undefined) {
    const { gameballId, referralCode } = referrer;
    const friend = { gameballId: stored.gameballId, customerId };
    outbox.add(referralCompleted({ gameballId, customerId: referrerCustomerId, referralCode }, friend, p.now));
  }
}

/** One request inside the caller's transaction, after its key locks. */
async function applyOne(ctx: WriteContext, input: UpsertInput, origin: WriteOrigin): Promise<UpsertResult> {
  const p = await plan(ctx, input, origin);
  const { stored, completedReferrer } = await persist(ctx, p);
  await emit(ctx, p, stored, completedReferrer);
  return { gameballId: stored.gameballId, created: p.current === undefined, merged: p.resolution.kind === 'merge' };
}

/** After a request of a list is applied: every key that reaches its profile now reaches it as stored. */
function remember(known: Known, customerId: string, stored: Profile, gainedCustomerId: boolean): void {
  if (gainedCustomerId)
    known.customerIdCounts.set(stored.gameballId, (known.customerIdCounts.get(stored.gameballId) ?? 0) + 1);
  known.byCustomerId.set(customerId, stored);
  for (const [id, profile] of known.byCustomerId)
    if (profile.gameballId === stored.gameballId) known.byCustomerId.set(id, stored);
  for (const [key, profile] of known.byKey) if (profile.gameballId === stored.gameballId) known.byKey.delete(key);
  if (stored.emailKey) known.byKey.set(mergeKeyId('email', stored.emailKey), stored);
  if (stored.mobileKey) known.byKey.set(mergeKeyId('mobile', stored.mobileKey), stored);
}

/** A 3008 is recorded against the profiles it names, for their explanations (the request itself wrote nothing). */
async function recordConflict(
  tx: WriteTx,
  account: AccountRecord,
  error: IdentifierConflict,
  origin: WriteOrigin,
): Promise<void> {
  const { kind, key, owner, other, customerId } = error.conflict;
  await recordRefusal(tx.sql, account.id, {
    gameballId: owner,
    otherGameballId: other,
    customerId,
    kind,
    value: key,
    requestId: origin.requestId ?? null,
    at: new Date().toISOString(),
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
): Promise<{ outcomes: UpsertOutcome[]; queued: number; protected: Array<Protection['rule']> }> {
  const outbox = await openOutbox(tx, account);
  const valid = inputs.filter((i): i is UpsertInput => !(i instanceof AppError));
  // A list (PostgreSQL batch and import chunks) resolves set-wise: two reads instead of one per item.
  const customerIds = valid.map((i) => i.customerId);
  const identifiers = valid.flatMap((i) => i.identifiers);
  const known =
    valid.length > 1 ? await resolveMany(tx.sql, store.dialect, account.id, customerIds, identifiers) : undefined;
  const ctx: WriteContext = { store, tx, account, outbox, known, protected: [] };
  const outcomes: UpsertOutcome[] = [];
  let queued = 0;
  for (const [i, input] of inputs.entries()) {
    if (input instanceof AppError) {
      outcomes.push({ ok: false, error: input });
      continue;
    }
    const protectedBefore = ctx.protected.length;
    try {
      const result = await applyOne(ctx, input, origins[i]!);
      queued += await outbox.flush(new Date().toISOString());
      outcomes.push({ ok: true, result });
    } catch (error) {
      outbox.discard();
      ctx.protected.length = protectedBefore;
      if (!(error instanceof AppError)) throw error;
      if (error instanceof IdentifierConflict) await recordConflict(tx, account, error, origins[i]!);
      outcomes.push({ ok: false, error });
    }
  }
  return { outcomes, queued, protected: ctx.protected };
}

async function writeList(
  store: Store,
  account: AccountRecord,
  inputs: Array<UpsertInput | AppError>,
  origins: readonly WriteOrigin[],
): Promise<UpsertOutcome[]> {
  // Every key of the list is locked as the transaction opens, in one sorted acquisition.
  const keys = inputs.flatMap((input) => (input instanceof AppError ? [] : lockKeysOf(account, input)));
  const written = await store.write((tx) => applyAll(store, tx, account, inputs, origins), keys);
  notifyQueued(written.queued);
  for (const rule of written.protected) mergeProtections.inc({ rule });
  const { outcomes } = written;
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

export const API_UPSERT: WriteOrigin = { operation: 'upsert', requestId: undefined };

/**
 * The write core of Create/Update Customer: a list of requests for one account, one outcome per
 * request, applied in order. How a list is written (one transaction, or one per item gathered
 * by the group commit) is the store's choice: Store.writeItems.
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
  return store.writeItems(
    inputs.length,
    () => writeList(store, account, inputs, origins),
    (i) => writeOne(store, account, inputs[i]!, origins[i]!),
  );
}

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
