import type { Store } from '../../db/connect.js';
import type { WriteTx } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import { appendHistory, readWholeHistory } from '../history/history.store.js';
import { diffProfiles } from '../profiles/profile-diff.js';
import { splitProfile } from '../history/split-profile.js';
import { emailKey, mergeKinds, mobileKey, type MergeKind } from '../identity/merge-keys.js';
import { customerUnmerged, profileUpdated } from '../webhooks/webhook-payloads.js';
import { notifyQueued, openOutbox } from '../webhooks/webhooks.outbox.js';
import { detachCustomerId, listCustomerIds, mergeKeyHolder, recordSplit, updateProfile } from './customers.store.js';
import { historyKept, historyRecord, insertNewProfile, lockedProfile } from './customers.service.js';
import type { Profile, ProfileState } from '../profiles/profile.types.js';

export interface UnmergeResult {
  customerId: string;
  gameballId: number;
  previousGameballId: number;
  remainingCustomerIds: string[];
}

/**
 * The merge keys a profile may hold after an unmerge: an identifier's key when the account merges
 * by it and no other profile holds it (the profile that stays keeps the ones both sides have).
 */
async function freeKeys(
  tx: WriteTx,
  account: AccountRecord,
  state: ProfileState,
  self: number | undefined,
): Promise<Pick<Profile, 'emailKey' | 'mobileKey'>> {
  const kinds = mergeKinds(account.mergeBy);
  const keyOf = async (kind: MergeKind): Promise<string | null> => {
    const value = kind === 'email' ? state.email : state.mobile;
    if (!kinds.includes(kind) || value === null) return null;
    const key = kind === 'email' ? emailKey(value) : mobileKey(value, account.defaultCountry);
    if (key === undefined) return null;
    const holder = await mergeKeyHolder(tx.sql, account.id, kind, key);
    return holder === undefined || holder === self ? key : null;
  };
  return { emailKey: await keyOf('email'), mobileKey: await keyOf('mobile') };
}

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
      const customerIds = await listCustomerIds(tx.sql, profile.gameballId);
      if (customerIds.length < 2) {
        throw new AppError(
          'notMerged',
          `customerId "${customerId}" is the only customerId of its profile: there is nothing to unmerge it from.`,
        );
      }
      const remainingIds = customerIds.filter((id) => id !== customerId);
      const now = new Date().toISOString();
      const { remaining, leaving } = splitProfile(
        profile,
        await readWholeHistory(tx.sql, profile),
        customerIds,
        customerId,
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
      const created = await insertNewProfile(store, tx, newProfile, customerId, undefined);
      await recordSplit(tx.sql, profile.gameballId, created.gameballId, now);

      // Both histories record the split, each naming the other profile.
      const keptEntry = historyRecord(store, account, origin, customerId, now, diffProfiles(profile, remaining));
      const newEntry = historyRecord(store, account, origin, customerId, now, undefined);
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
    [`${account.id}:customerId:${customerId}`],
  );
  notifyQueued(result.queued);
  return result.value;
}
