/** `none`, one identifier, or both in priority order (the first wins where the rules must choose). */
export const MERGE_BY = ['none', 'email', 'mobile', 'email,mobile', 'mobile,email'] as const;
export type MergeBy = (typeof MERGE_BY)[number];

export const REFERRAL_COMPLETION = ['signup', 'firstOrder'] as const;
export type ReferralCompletion = (typeof REFERRAL_COMPLETION)[number];

/** The API versions a call can use; an account may refuse the older one. */
export const API_VERSIONS = ['4.0', '4.1'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export interface AccountSettings {
  mergeBy: MergeBy;
  /** ISO 3166 alpha-2; reads local mobile numbers. */
  defaultCountry: string | null;
  referralLinkBase: string | null;
  referralCompletion: ReferralCompletion;
  highSecurity: boolean;
  /** `4.1`: calls under /api/v4.0 are refused (403, 1002). */
  minimumApiVersion: ApiVersion;
  /** Per second, for the account as a whole across nodes; 0: no limit (docs/operations.md "Rate limits"). */
  rateLimitWrites: number;
  rateLimitReads: number;
  /** Batch items per second, a budget apart from the API's writes. */
  rateLimitBulk: number;
  /** An implicit merge never takes a profile past this many customerIds; 0: no cap (docs/identity.md "Merge protection"). */
  mergeCap: number;
  /** The account's own values that are never merge keys: exact emails or mobiles, and /regexes/. */
  mergeBlocks: string[];
  /** Whether the built-in list of junk values (test domains, placeholders, 0000000000) applies. */
  defaultMergeBlocks: boolean;
  /** Whether writes queue changed profiles for the possible-duplicates worker (docs/duplicates.md). */
  duplicateDetection: boolean;
  /** The score (0–1) from which a scored pair becomes an open suggestion. */
  duplicateThreshold: number;
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
  /** The secretKey sealed under the master key, for verifying session tokens; null: not sealed. */
  sealedSecretKey: string | null;
}

export type AccountRecord = Account & AccountSecrets;

/** Shown once, at creation or rotation. */
export interface AccountKeys {
  apiKey: string;
  secretKey: string;
}
