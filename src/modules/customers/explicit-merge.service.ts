import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { invalid } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { historyKept, insertHistory, newHistoryRecord, type HistoryRecord } from '../history/index.js';
import { blockedBy, customerIdLock, type MergeKind } from '../identity/index.js';
import { diffProfiles, mergeProfileStates, type FieldChange, type Profile } from '../profiles/index.js';
import { moveReferrals } from '../referrals/index.js';
import { notifyQueued, openOutbox } from '../webhooks/index.js';
import { listCustomerIds, retireReferralCode } from './customer-reads.store.js';
import { customerMerged, profileUpdated } from './customer-events.js';
import { lockedProfile } from './customers.service.js';
import { deleteProfile, moveCustomerIds } from './customers.store.js';
import { retireProfile } from './retired-profiles.store.js';
import { queueProfileChange } from './profile-changes.store.js';
import { updateProfile } from './profile-writes.store.js';
import { monotonicNow } from '../../clock.js';

export interface ExplicitMergeResult {
  /** The survivor's. */
  gameballId: number;
  /** The other profile's, retired: never reused; its customerIds now reach the survivor. */
  retiredGameballId: number;
  customerIds: string[];
}

export interface ExplicitMergeDryRun {
  gameballId: number;
  dryRun: true;
  outcome: 'merge';
  changes: FieldChange[];
  protections: [];
}

/**
 * The merge keys the survivor holds after the merge: its own, and the other's for an identifier it
 * lacked (the value came over with it) — unless that value is blocked: a person's decision does not
 * make a junk value a key. The cap does not apply.
 */
function survivorKeys(
  account: AccountRecord,
  survivor: Profile,
  other: Profile,
): Pick<Profile, 'emailKey' | 'mobileKey'> {
  const keyOf = (kind: MergeKind): string | null => {
    const own = kind === 'email' ? survivor.emailKey : survivor.mobileKey;
    const theirs = kind === 'email' ? other.emailKey : other.mobileKey;
    if (own !== null || survivor[kind] !== null || theirs === null) return own;
    return blockedBy(account, kind, theirs) ? null : theirs;
  };
  return { emailKey: keyOf('email'), mobileKey: keyOf('mobile') };
}

/**
 * Explicit merge (docs/identity.md "Explicit merge"): the profile `other` reaches joins the one
 * `customerId` reaches, which survives. One transaction: the other's customerIds and referrals
 * move over, its referral code is retired, it is retired (retired_profiles keeps its last state and
 * history, ended by an entry naming the survivor; its gameballId is never reused), and the survivor
 * is written with the merged fields and one history entry naming the other profile. Undone by
 * unmerging the other's customerIds, each with what came through it. With `dryRun`, nothing is written.
 */
export async function mergeCustomers(
  store: Store,
  account: AccountRecord,
  customerId: string,
  other: string,
  options: {
    requestId?: string | undefined;
    dryRun?: boolean;
    /** More writes of the caller's, in the merge's transaction (a suggestion marked merged). */
    within?: (tx: WriteTx) => Promise<void>;
  } = {},
): Promise<ExplicitMergeResult | ExplicitMergeDryRun> {
  if (other === '') throw invalid('customerId', 'must name the customer to merge into this one');
  const locks = [customerIdLock(account, customerId), customerIdLock(account, other)];
  const result = await store.write(async (tx) => {
    const survivor = await lockedProfile(store, tx, account, customerId);
    const joining = await lockedProfile(store, tx, account, other);
    if (survivor.gameballId === joining.gameballId)
      throw invalid('customerId', `"${other}" is already on this profile: a profile cannot be merged with itself`);
    const before = await listCustomerIds(tx.sql, account.id, survivor.gameballId);
    const joined = await listCustomerIds(tx.sql, account.id, joining.gameballId);
    const customerIds = [...before, ...joined];
    const state = mergeProfileStates(survivor, joining);
    const changes: FieldChange[] = [
      ...diffProfiles(survivor, state),
      { field: 'customerIds', before, after: customerIds },
    ];
    if (options.dryRun)
      return {
        dryRun: { gameballId: survivor.gameballId, dryRun: true, outcome: 'merge', changes, protections: [] } as const,
      };

    const now = monotonicNow();
    // The other goes first: its keys and referral code are free for the survivor once it is gone.
    await moveCustomerIds(tx.sql, account.id, joining.gameballId, survivor.gameballId);
    await moveReferrals(tx.sql, account.id, joining.gameballId, survivor.gameballId);
    if (joining.referralCode) await retireReferralCode(tx.sql, account.id, joining.referralCode, now);
    // The other's history ends with the merge: the customerIds that left it, naming the survivor.
    const origin = { operation: 'explicit merge' as const, requestId: options.requestId };
    const retirement = newHistoryRecord(store, account.id, origin, other, now, [
      { field: 'customerIds', before: joined, after: [] },
    ]);
    if (retirement) {
      retirement.relatedGameballId = survivor.gameballId;
      const head = await insertHistory(tx.sql, store.dialect, retirement, joining.gameballId, joining.historyHead);
      await retireProfile(tx.sql, joining, survivor.gameballId, now, head);
    } else await deleteProfile(tx.sql, account.id, joining.gameballId);
    const merged: Profile = {
      ...survivor,
      ...state,
      ...survivorKeys(account, survivor, joining),
      updatedAt: now,
      historyHead: historyKept(store, survivor),
    };
    const entry: HistoryRecord | undefined = newHistoryRecord(store, account.id, origin, other, now, changes);
    if (entry) entry.relatedGameballId = joining.gameballId;
    merged.historyHead = await updateProfile(tx.sql, store.dialect, merged, { history: entry });

    await options.within?.(tx);
    await queueProfileChange(tx.sql, account, survivor.gameballId, now);
    await queueProfileChange(tx.sql, account, joining.gameballId, now);
    const outbox = await openOutbox(tx, account);
    if (outbox.wants('customer.profile.updated')) outbox.add(profileUpdated(account, merged, customerId));
    if (outbox.wants('customer.merged')) outbox.add(customerMerged(merged, other, 'explicit', customerIds));
    const queued = await outbox.flush(now);
    return {
      queued,
      merged: { gameballId: survivor.gameballId, retiredGameballId: joining.gameballId, customerIds },
    };
  }, locks);
  if ('dryRun' in result) return result.dryRun as ExplicitMergeDryRun;
  notifyQueued(result.queued);
  return result.merged;
}
