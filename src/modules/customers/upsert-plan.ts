import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import type { AccountRecord } from '../accounts/index.js';
import { newHistoryRecord, type WriteOrigin } from '../history/index.js';
import { mergeKeysOf, resolveClaim, type ClaimLookup, type Resolution } from '../identity/index.js';
import { diffProfiles, EMPTY_PROFILE, type FieldChange, type Profile, type ProfileState } from '../profiles/index.js';
import { monotonicNow } from '../../clock.js';
import { areSplitSiblings, resolveProfiles } from './customers.store.js';
import type { KnownProfiles } from './known-profiles.js';
import { applyUpsert } from './profile-patch.js';
import { changesIdentity } from './profile-changes.store.js';
import type { NewProfile } from './profile-inserts.store.js';
import { findReferrer, unusedReferralCode } from './referral-codes.js';
import type { UpsertInput } from './upsert-input.js';

/**
 * The first step of Create/Update Customer (upsert.engine.ts): what one request will do, decided
 * from what it reaches before anything is written — a rejected request writes nothing.
 */

/** What one request will do, decided before its first write. */
export interface UpsertPlan {
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
export interface PlanContext {
  store: Store;
  tx: WriteTx;
  account: AccountRecord;
  known: KnownProfiles | undefined;
}

async function lookUp({ store, tx, account, known }: PlanContext, input: UpsertInput): Promise<ClaimLookup> {
  if (known) return known.lookUp(input);
  return resolveProfiles(tx.sql, store.dialect, account.id, input.customerId, input.identifiers);
}

export async function plan(ctx: PlanContext, input: UpsertInput, origin: WriteOrigin): Promise<UpsertPlan> {
  const { tx, account } = ctx;
  const resolution = await resolveClaim(account, input, await lookUp(ctx, input), (a, b) =>
    areSplitSiblings(tx.sql, account.id, a, b),
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

/** The history entry a planned write records, if it records one. */
export function entryOf(store: Store, account: AccountRecord, p: UpsertPlan) {
  // The entry is made only for a write that records one (every write makes its profile's entry).
  const entry = p.changed
    ? newHistoryRecord(store, account.id, p.origin, p.input.customerId, p.now, p.changes)
    : undefined;
  if (entry && p.resolution.protections.length > 0) entry.protections = p.resolution.protections;
  return entry;
}

/** Possible duplicates are scored again when who the person is may have changed (docs/duplicates.md). */
export const queues = (account: AccountRecord, p: UpsertPlan): boolean =>
  account.duplicateDetection && (p.resolution.kind === 'merge' || changesIdentity(p.changes));

/** The row a planned create inserts (before its referral code is drawn). */
export function newProfileOf({ store, account }: Pick<PlanContext, 'store' | 'account'>, p: UpsertPlan): NewProfile {
  const { input, next, now } = p;
  const keys = mergeKeysOf(account, input, undefined, next, p.resolution.unindexed);
  const profile = { ...next, ...keys, accountId: account.id, createdAt: now, updatedAt: now };
  return { profile, customerId: input.customerId, history: entryOf(store, account, p), queue: queues(account, p) };
}
