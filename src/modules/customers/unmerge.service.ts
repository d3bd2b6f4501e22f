import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { historyKept, newHistoryRecord, readWholeHistory } from '../history/index.js';
import { customerIdLock, freeMergeKeys, splitProfile } from '../identity/index.js';
import { diffProfiles, type Profile, type ProfileState } from '../profiles/index.js';
import { notifyQueued, openOutbox } from '../webhooks/index.js';
import { listCustomerIds } from './customer-reads.store.js';
import { customerUnmerged, profileUpdated } from './customer-events.js';
import { lockedProfile } from './customers.service.js';
import { detachCustomerId, mergeKeyHolder, recordSplit } from './customers.store.js';
import { appendHistory, insertNewProfile, updateProfile } from './profile-writes.store.js';
import { retiredWithHistories } from './retired-profiles.store.js';
import { queueProfileChange } from './profile-changes.store.js';
import { monotonicNow } from '../../clock.js';

export interface UnmergeResult {
  customerId: string;
  gameballId: number;
  previousGameballId: number;
  remainingCustomerIds: string[];
}

/** The merge keys a profile may hold after an unmerge (identity's freeMergeKeys, over this transaction's profiles). */
const freeKeys = (tx: WriteTx, account: AccountRecord, state: ProfileState, self: number | undefined) =>
  freeMergeKeys(account, state, self, (kind, key) => mergeKeyHolder(tx.sql, account.id, kind, key));

/**
 * Detaches a customerId from its profile into a new profile (docs/identity.md "Unmerge"), in one
 * transaction: the profile is rebuilt from its history without what arrived only through that
 * customerId, which leaves with it; both histories record the split and name each other.
 */
export async function unmergeCustomer(
  store: Store,
  account: AccountRecord,
  customerId: string,
  requestId?: string,
): Promise<UnmergeResult> {
  const result = await store.write(
    async (tx) => {
      const profile = await lockedProfile(store, tx, account, customerId);
      const customerIds = await listCustomerIds(tx.sql, account.id, profile.gameballId);
      if (customerIds.length < 2) {
        throw new AppError(
          'notMerged',
          `customerId "${customerId}" is the only customerId of its profile: there is nothing to unmerge it from.`,
        );
      }
      const remainingIds = customerIds.filter((id) => id !== customerId);
      const now = monotonicNow();
      // What an explicit merge brought in is told by the retired profile's own history.
      const retired = await retiredWithHistories(tx.sql, account.id, profile.gameballId);
      const absorbed = new Map(retired.map((r) => [r.gameballId, r]));
      const { remaining, leaving } = splitProfile(
        profile,
        await readWholeHistory(tx.sql, profile),
        customerIds,
        customerId,
        absorbed,
      );
      const origin = { operation: 'unmerge' as const, requestId };

      // The profile that stays first: it keeps the keys both sides could claim, and releases the
      // ones that left with the customerId, which the new profile then takes.
      const kept: Profile = {
        ...profile,
        ...remaining,
        ...(await freeKeys(tx, account, remaining, profile.gameballId)),
        updatedAt: now,
        historyHead: historyKept(store, profile),
      };
      kept.historyHead = await updateProfile(tx.sql, store.dialect, kept);
      await detachCustomerId(tx.sql, account.id, customerId);
      const fresh = { ...leaving, referralCode: null, isReferred: false };
      const newProfile = {
        ...fresh,
        ...(await freeKeys(tx, account, fresh, undefined)),
        accountId: account.id,
        createdAt: now,
        updatedAt: now,
      };
      const created = await insertNewProfile(store, tx.sql, newProfile, customerId, undefined);
      await recordSplit(tx.sql, account.id, profile.gameballId, created.gameballId, now);

      // Both histories record the split, each naming the other profile.
      const keptEntry = newHistoryRecord(store, account.id, origin, customerId, now, diffProfiles(profile, remaining));
      const newEntry = newHistoryRecord(store, account.id, origin, customerId, now, undefined);
      if (keptEntry && newEntry) {
        keptEntry.changes.push({ field: 'customerIds', before: customerIds, after: remainingIds });
        newEntry.changes.push({ field: 'customerIds', before: null, after: [customerId] });
        await appendHistory(
          tx.sql,
          store.dialect,
          { ...keptEntry, gameballId: profile.gameballId, relatedGameballId: created.gameballId },
          kept.historyHead,
        );
        await appendHistory(
          tx.sql,
          store.dialect,
          { ...newEntry, gameballId: created.gameballId, relatedGameballId: profile.gameballId },
          created.historyHead,
        );
      }

      await queueProfileChange(tx.sql, account, profile.gameballId, now);
      await queueProfileChange(tx.sql, account, created.gameballId, now);
      const outbox = await openOutbox(tx, account);
      if (outbox.wants('customer.unmerged'))
        outbox.add(customerUnmerged(customerId, created.gameballId, profile.gameballId, remainingIds));
      if (outbox.wants('customer.profile.updated')) {
        outbox.add(profileUpdated(account, kept, remainingIds[0]!));
        outbox.add(profileUpdated(account, created, customerId));
      }
      const queued = await outbox.flush(now);
      return {
        queued,
        value: {
          customerId,
          gameballId: created.gameballId,
          previousGameballId: profile.gameballId,
          remainingCustomerIds: remainingIds,
        },
      };
    },
    [customerIdLock(account, customerId)],
  );
  notifyQueued(result.queued);
  return result.value;
}
