export const MERGE_BY = ['none', 'email', 'mobile'] as const;
export type MergeBy = (typeof MERGE_BY)[number];

export const REFERRAL_COMPLETION = ['signup', 'firstOrder'] as const;
export type ReferralCompletion = (typeof REFERRAL_COMPLETION)[number];

export interface AccountSettings {
  mergeBy: MergeBy;
  /** ISO 3166 alpha-2; reads local mobile numbers. */
  defaultCountry: string | null;
  referralLinkBase: string | null;
  referralCompletion: ReferralCompletion;
  highSecurity: boolean;
}

export interface Account extends AccountSettings {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** What the store keeps beside the public account: never leaves the process. */
export interface AccountSecrets {
  apiKeyHash: string;
  secretKeyHash: string;
  hashSecret: string;
  /** Whether any webhook subscription exists: writes skip the outbox entirely when not. */
  hasWebhooks: boolean;
}

export type AccountRecord = Account & AccountSecrets;

/** Shown once, at creation or rotation. */
export interface AccountKeys {
  apiKey: string;
  secretKey: string;
}
