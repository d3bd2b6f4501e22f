import type { AccountRecord } from '../accounts/index.js';
import { referralLink } from '../referrals/index.js';
import type { Profile } from '../profiles/index.js';

/**
 * Attributes the no-PII read may show. An allow-list: unknown attributes (which the mobile
 * SDK fills with whatever the app sends) may hold personal data, so only details shows them.
 */
const PUBLIC_ATTRIBUTES = [
  'gender',
  'country',
  'city',
  'zip',
  'preferredLanguage',
  'source',
  'channel',
  'joinDate',
  'utms',
  'devices',
  'paymentMethods',
  'totalSpent',
  'lastOrderDate',
  'totalOrders',
  'avgOrderAmount',
] as const;

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  return out;
}

/** Gameball answers with both spellings of the UTM list; clients read either. */
function withUtmAlias(attributes: Record<string, unknown>): Record<string, unknown> {
  return attributes.utms === undefined ? attributes : { ...attributes, utMs: attributes.utms };
}

function common(profile: Profile, customerId: string, account: AccountRecord) {
  const link = referralLink(account.referralLinkBase, profile.referralCode);
  return {
    gameballId: profile.gameballId,
    customerId,
    ...(profile.referralCode && { referralCode: profile.referralCode }),
    ...(link && { referralLink: link }),
    isReferred: profile.isReferred,
    guest: profile.guest,
    isActive: profile.isActive,
  };
}

export function customerView(profile: Profile, customerId: string, account: AccountRecord) {
  return {
    ...common(profile, customerId, account),
    customerAttributes: withUtmAlias({
      ...pick(profile.attributes, PUBLIC_ATTRIBUTES),
      custom: profile.custom,
      tags: profile.tags,
    }),
  };
}

export function customerDetailsView(
  profile: Profile,
  customerId: string,
  account: AccountRecord,
  customerIds: string[],
) {
  const [latestDevice] = profile.pushDevices;
  return {
    ...common(profile, customerId, account),
    isGuest: profile.guest,
    ...(profile.email !== null && { email: profile.email }),
    ...(profile.mobile !== null && { mobile: profile.mobile }),
    customerAttributes: withUtmAlias({
      ...profile.attributes,
      ...(profile.email !== null && { email: profile.email }),
      ...(profile.mobile !== null && { mobile: profile.mobile }),
      custom: profile.custom,
      tags: profile.tags,
    }),
    mergedCustomerIds: customerIds,
    ...(latestDevice && {
      deviceToken: latestDevice.deviceToken,
      ...(latestDevice.osType !== undefined && { osType: latestDevice.osType }),
      ...(latestDevice.pushProvider !== undefined && { pushProvider: latestDevice.pushProvider }),
    }),
    pushDevices: profile.pushDevices,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}
