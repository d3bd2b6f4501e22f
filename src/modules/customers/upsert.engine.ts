import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import { mergeProtections } from '../../metrics/metrics.js';
import type { AccountRecord } from '../accounts/index.js';
import { historyKept, type WriteOrigin } from '../history/index.js';
import { IdentifierConflict, lockKeysOf, mergeKeysOf, type Protection } from '../identity/index.js';
import type { Profile } from '../profiles/index.js';
import { recordReferral } from '../referrals/index.js';
import { notifyQueued, openOutbox, type Outbox } from '../webhooks/index.js';
import { firstCustomerId, listCustomerIds } from './customer-reads.store.js';
import { customerMerged, profileUpdated, referralCompleted } from './customer-events.js';
import type { UpsertCustomerRequest } from './customers.schemas.js';
import { getProfile, resolveMany } from './customers.store.js';
import { insertNewProfile, updateProfile } from './profile-writes.store.js';
import { insertNewProfiles } from './profile-inserts.store.js';
import { entryOf, newProfileOf, plan, queues, recordMergeIdentifiers, type UpsertPlan } from './upsert-plan.js';
import { KnownProfiles } from './known-profiles.js';
import { PendingCreates } from './pending-creates.js';
import { readInputs, type UpsertInput } from './upsert-input.js';
import { recordRefusal } from './refusals.store.js';

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

/** One transaction's share of the work: where it writes, for whom, and what it has read. */
interface WriteContext {
  store: Store;
  tx: WriteTx;
  account: AccountRecord;
  outbox: Outbox;
  known: KnownProfiles | undefined;
  /** The rules of the protections applied so far (counted in /metrics once the transaction commits). */
  protected: Array<Protection['rule']>;
}

/**
 * Whether the profile's write is the request's last statement, so it can go with the COMMIT
 * (WriteTx.last: one round trip on PostgreSQL): a single request (a list writes on) of an account
 * without webhook subscriptions (no events to write), with no referral to record or complete.
 */
const endsWithWrite = (ctx: WriteContext, p: UpsertPlan): boolean =>
  ctx.known === undefined && !ctx.outbox.subscribed && p.referrerId === undefined && !(p.current?.isReferred ?? false);

/** Writes the profile (with its history entry) and the referral; answers the profile as stored. */
async function persist(ctx: WriteContext, p: UpsertPlan): Promise<{ stored: Profile; completedReferrer?: number }> {
  const { store, tx, account } = ctx;
  const { input, current, next, now } = p;
  const last = endsWithWrite(ctx, p) ? tx.last : undefined;
  const sql = last ?? tx.sql;
  let stored: Profile;
  if (current === undefined) {
    const row = newProfileOf(ctx, p);
    const { profile, history, queue } = row;
    stored = await insertNewProfile(store, sql, profile, input.customerId, history, queue, last !== undefined);
  } else {
    const entry = entryOf(store, account, p);
    const keys = mergeKeysOf(account, input, current, next, p.resolution.unindexed);
    stored = { ...current, ...next, ...keys, updatedAt: now, historyHead: historyKept(store, current) };
    const attach = p.resolution.kind === 'merge' ? { customerId: input.customerId, now } : undefined;
    if (p.changed) {
      if (entry && p.resolution.kind === 'merge') {
        recordMergeIdentifiers(entry.changes, input, next);
        const by = p.resolution.by;
        entry.mergedBy = { kind: by, value: input.identifiers.find((i) => i.kind === by)!.key };
      }
      stored.historyHead = await updateProfile(sql, store.dialect, stored, {
        attach,
        history: entry,
        before: current,
        queue: queues(account, p),
      });
    }
  }
  ctx.known?.remember(input.customerId, stored, current === undefined || p.resolution.kind === 'merge');
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
    const customerIds = await listCustomerIds(tx.sql, account.id, stored.gameballId);
    outbox.add(customerMerged(stored, customerId, p.resolution.by, customerIds));
  }
  if (completedReferrer === undefined || !outbox.wants('referral.completed')) return;
  const referrer = await getProfile(tx.sql, completedReferrer);
  const referrerCustomerId = await firstCustomerId(tx.sql, account.id, completedReferrer);
  if (referrer && referrerCustomerId !== undefined) {
    const { gameballId, referralCode } = referrer;
    const friend = { gameballId: stored.gameballId, customerId };
    outbox.add(referralCompleted({ gameballId, customerId: referrerCustomerId, referralCode }, friend, p.now));
  }
}

/** One planned request inside the caller's transaction, after its key locks. */
async function applyPlanned(ctx: WriteContext, p: UpsertPlan): Promise<UpsertResult> {
  const { stored, completedReferrer } = await persist(ctx, p);
  await emit(ctx, p, stored, completedReferrer);
  return { gameballId: stored.gameballId, created: p.current === undefined, merged: p.resolution.kind === 'merge' };
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

/** Writes the pending creates of a list together, then their events; answers the deliveries queued. */
async function writePending(
  ctx: WriteContext,
  pending: PendingCreates<UpsertPlan>,
  outcomes: UpsertOutcome[],
): Promise<number> {
  const items = pending.take();
  if (items.length === 0) return 0;
  const stored = await insertNewProfiles(
    ctx.tx.sql,
    ctx.store.dialect,
    items.map((item) => item.row),
  );
  for (const [n, { index, plan: p }] of items.entries()) {
    const profile = stored[n]!;
    ctx.known?.remember(p.input.customerId, profile, true);
    await emit(ctx, p, profile);
    outcomes[index] = { ok: true, result: { gameballId: profile.gameballId, created: true, merged: false } };
  }
  return ctx.outbox.flush(new Date().toISOString());
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
  // A list (batch and import chunks) resolves set-wise: two reads instead of one per item, and
  // writes its new profiles together (PendingCreates).
  const customerIds = valid.map((i) => i.customerId);
  const identifiers = valid.flatMap((i) => i.identifiers);
  const list = valid.length > 1;
  const known = list
    ? new KnownProfiles(await resolveMany(tx.sql, store.dialect, account.id, customerIds, identifiers))
    : undefined;
  const pending = list ? new PendingCreates<UpsertPlan>() : undefined;
  const ctx: WriteContext = { store, tx, account, outbox, known, protected: [] };
  const outcomes: UpsertOutcome[] = new Array<UpsertOutcome>(inputs.length);
  let queued = 0;
  for (const [i, input] of inputs.entries()) {
    if (input instanceof AppError) {
      outcomes[i] = { ok: false, error: input };
      continue;
    }
    if (pending?.reaches(input)) queued += await writePending(ctx, pending, outcomes);
    const protectedBefore = ctx.protected.length;
    try {
      const p = await plan(ctx, input, origins[i]!);
      // A create without a referrer writes nothing but its own rows: it can wait for the others.
      if (pending && p.current === undefined && p.referrerId === undefined) {
        pending.add(i, p, newProfileOf(ctx, p), input);
        continue;
      }
      const result = await applyPlanned(ctx, p);
      queued += await outbox.flush(new Date().toISOString());
      outcomes[i] = { ok: true, result };
    } catch (error) {
      outbox.discard();
      ctx.protected.length = protectedBefore;
      if (!(error instanceof AppError)) throw error;
      if (error instanceof IdentifierConflict) await recordConflict(tx, account, error, origins[i]!);
      outcomes[i] = { ok: false, error };
    }
  }
  if (pending) queued += await writePending(ctx, pending, outcomes);
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
  const work = (tx: WriteTx) => applyAll(store, tx, account, inputs, origins);
  const written = await (inputs.length > 1 ? store.writeChunk(work, keys) : store.write(work, keys));
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
 * request, applied in order. A list is written in one transaction (Store.writeChunk); if that
 * fails for any reason but the store being gone (an unexpected error of one item), each item is
 * written again in a transaction of its own, so the failure stays with its item.
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
  try {
    return await writeList(store, account, inputs, origins);
  } catch (error) {
    if (store.dialect.isConnectionError(error)) throw error;
    // In order: an item may depend on one before it (the same customerId or identifier).
    const outcomes: UpsertOutcome[] = [];
    for (const [i, input] of inputs.entries()) outcomes.push(await writeOne(store, account, input, origins[i]!));
    return outcomes;
  }
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
