import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { readWholeHistory, type HistoryEntry } from '../history/index.js';
import { referralsOfProfile, type ReferralLink } from '../referrals/index.js';
import { eventsOfProfile, type ProfileEvent } from '../webhooks/index.js';
import { customerDetailsView } from './customer.view.js';
import { listCustomerIds, profileSummaries } from './customer-reads.store.js';
import { findProfileByCustomerId } from './customers.store.js';
import { retiredWithHistories } from './retired-profiles.store.js';

/** A referral as the export shows it: the other side by ids only (their personal data is theirs). */
interface ExportedReferral {
  gameballId: number;
  customerId: string | null;
  status: string;
  createdAt: string;
  completedAt: string | null;
}

export interface CustomerExport {
  exportedAt: string;
  accountId: string;
  gameballId: number;
  customerIds: string[];
  /** As GET …/details answers: every attribute, custom, devices and tags included. */
  profile: ReturnType<typeof customerDetailsView>;
  devices: unknown[];
  tags: string[];
  referrals: {
    referredBy: (ExportedReferral & { referralCode: string | null }) | null;
    referredFriends: ExportedReferral[];
  };
  /** Oldest first. */
  history: HistoryEntry[];
  /** Profiles explicit merges retired into this one: their state then and their histories (oldest first). */
  mergedProfiles: { gameballId: number; retiredInto: number; retiredAt: string; history: HistoryEntry[] }[];
  webhookEvents: ProfileEvent[];
}

/** Both sides of the profile's referrals, the other profile named by its first customerId only. */
async function referrals(
  store: Store,
  accountId: string,
  { referredBy, friends }: Awaited<ReturnType<typeof referralsOfProfile>>,
): Promise<CustomerExport['referrals']> {
  const others = await profileSummaries(
    store.db,
    accountId,
    [referredBy, ...friends].flatMap((link) => (link ? [link.gameballId] : [])),
  );
  const exported = (link: ReferralLink): ExportedReferral => ({
    gameballId: link.gameballId,
    customerId: others.get(link.gameballId)?.customerId ?? null,
    status: link.status,
    createdAt: link.createdAt,
    completedAt: link.completedAt,
  });
  return {
    referredBy: referredBy
      ? { ...exported(referredBy), referralCode: others.get(referredBy.gameballId)?.referralCode ?? null }
      : null,
    referredFriends: friends.map(exported),
  };
}

/**
 * Everything Patron holds about the person a customerId reaches (right of access): the profile,
 * its customerIds, devices, tags, referrals given and received, its history and the webhook
 * events about it. Every read goes by the profile's indexes.
 */
export async function exportCustomer(
  store: Store,
  account: AccountRecord,
  customerId: string,
): Promise<CustomerExport> {
  const found = await store.read(async (sql) => {
    const profile = await findProfileByCustomerId(sql, store.dialect, account.id, customerId);
    if (!profile) return undefined;
    return {
      profile,
      customerIds: await listCustomerIds(sql, account.id, profile.gameballId),
      referralLinks: await referralsOfProfile(sql, account.id, profile.gameballId),
      history: await readWholeHistory(sql, profile),
      merged: await retiredWithHistories(sql, account.id, profile.gameballId),
      webhookEvents: await eventsOfProfile(sql, account.id, profile.gameballId),
    };
  });
  if (!found) throw new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);
  const { profile, customerIds } = found;
  return {
    exportedAt: new Date().toISOString(),
    accountId: account.id,
    gameballId: profile.gameballId,
    customerIds,
    profile: customerDetailsView(profile, customerId, account, customerIds),
    devices: profile.pushDevices,
    tags: profile.tags,
    referrals: await referrals(store, account.id, found.referralLinks),
    history: found.history,
    mergedProfiles: found.merged.map(({ gameballId, retiredInto, retiredAt, history }) => ({
      gameballId,
      retiredInto,
      retiredAt,
      history,
    })),
    webhookEvents: found.webhookEvents,
  };
}
