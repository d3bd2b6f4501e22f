import type { AccountRecord } from '../accounts/index.js';
import type { Profile } from '../profiles/index.js';
import { referralLink } from '../referrals/index.js';
import type { OutboxEvent } from '../webhooks/index.js';

/** Gameball's snake_case names for the profile values Patron keeps; absent values are left out. */
const ATTRIBUTE_NAMES: Record<string, string> = {
  displayName: 'display_name',
  firstName: 'first_name',
  lastName: 'last_name',
  gender: 'gender',
  dateOfBirth: 'date_of_birth',
  joinDate: 'join_date',
  country: 'country',
  city: 'city',
  zip: 'zip',
  preferredLanguage: 'preferred_language',
  channel: 'channel',
  totalOrders: 'total_orders',
  totalSpent: 'total_spent',
  lastOrderDate: 'last_order_date',
};

/** `customer.profile.updated`: the profile as stored now. Tiers, points and the like are never invented. */
export function profileUpdated(account: AccountRecord, profile: Profile, customerId: string): OutboxEvent {
  const data: Record<string, unknown> = {};
  if (profile.email !== null) data.email = profile.email;
  if (profile.mobile !== null) data.mobile_number = profile.mobile;
  if (profile.referralCode) data.referral_code = profile.referralCode;
  const link = referralLink(account.referralLinkBase, profile.referralCode);
  if (link) data.referral_link = link;
  for (const [name, published] of Object.entries(ATTRIBUTE_NAMES)) {
    const value = profile.attributes[name];
    if (value !== undefined && value !== null) data[published] = value;
  }
  data.custom = profile.custom;
  data.tags = profile.tags;
  data.is_active = profile.isActive;
  data.guest = profile.guest;
  data.is_referred = profile.isReferred;
  return { topic: 'customer.profile.updated', gameballId: profile.gameballId, customerId, data };
}

/** `customer.unmerged`: a customerId left a profile for a new one (about the new one). */
export function customerUnmerged(
  customerId: string,
  newGameballId: number,
  previousGameballId: number,
  remainingCustomerIds: string[],
): OutboxEvent {
  return {
    topic: 'customer.unmerged',
    gameballId: newGameballId,
    customerId,
    data: {
      unmerged_customer_id: customerId,
      previous_gb_customer_id: previousGameballId,
      remaining_customer_ids: remainingCustomerIds,
    },
  };
}

/** `customer.merged`: a new customerId joined an existing profile. */
export function customerMerged(
  profile: Profile,
  customerId: string,
  mergedBy: string,
  customerIds: string[],
): OutboxEvent {
  return {
    topic: 'customer.merged',
    gameballId: profile.gameballId,
    customerId,
    data: { merged_customer_id: customerId, merged_by: mergedBy, customer_ids: customerIds },
  };
}

/** `customer.deleted`: the profile and every customerId of it are gone. */
export function customerDeleted(gameballId: number, customerId: string, customerIds: string[]): OutboxEvent {
  return { topic: 'customer.deleted', gameballId, customerId, data: { customer_ids: customerIds } };
}

/** `referral.completed`: sent about the referrer, whose referral became Active. */
export function referralCompleted(
  referrer: { gameballId: number; customerId: string; referralCode: string | null },
  referee: { gameballId: number; customerId: string },
  completedAt: string,
): OutboxEvent {
  return {
    topic: 'referral.completed',
    gameballId: referrer.gameballId,
    customerId: referrer.customerId,
    data: {
      referral_code: referrer.referralCode,
      referee_customer_id: referee.customerId,
      referee_gb_customer_id: referee.gameballId,
      status: 'Active',
      completed_at: completedAt,
    },
  };
}
