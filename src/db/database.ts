import type { ColumnType, Generated, Kysely } from 'kysely';

/**
 * Table types. Values are what the application writes; reads go through each store's
 * row → domain function, which evens out the dialects (SQLite returns JSON as text and
 * booleans as 0/1, PostgreSQL returns objects and booleans).
 */

type Json = ColumnType<unknown, string, string>;
type Bool = ColumnType<boolean | number, boolean | number, boolean | number>;

export interface AccountsTable {
  id: string;
  name: string;
  api_key_hash: string;
  secret_key_hash: string;
  merge_by: 'none' | 'email' | 'mobile' | 'email,mobile' | 'mobile,email';
  default_country: string | null;
  referral_link_base: string | null;
  referral_completion: 'signup' | 'firstOrder';
  high_security: Bool;
  hash_secret: string;
  has_webhooks: Bool;
  secret_key_sealed: string | null;
  minimum_api_version: Generated<'4.0' | '4.1'>;
  rate_limit_writes: Generated<number>;
  rate_limit_reads: Generated<number>;
  rate_limit_bulk: Generated<number>;
  merge_cap: Generated<number>;
  /** JSON array of the account's own blocked values: exact values and /regexes/. */
  merge_blocks: Generated<string>;
  default_merge_blocks: Bool;
  duplicate_detection: Bool;
  duplicate_threshold: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface ProfilesTable {
  gameball_id: Generated<number>;
  account_id: string;
  email: string | null;
  mobile: string | null;
  /** Merge keys, set only while the account merges by that identifier (unique per account). */
  email_key: string | null;
  mobile_key: string | null;
  attributes: Json;
  custom: Json;
  push_devices: Json;
  guest: Bool;
  is_active: Bool;
  referral_code: string | null;
  is_referred: Bool;
  tags: Json;
  created_at: string;
  updated_at: string;
  history_head: number | null;
}

export interface CustomerIdsTable {
  account_id: string;
  customer_id: string;
  gameball_id: number;
  created_at: string;
}

export interface ReferralsTable {
  id: Generated<number>;
  account_id: string;
  referrer_gameball_id: number;
  referee_gameball_id: number;
  status: 'Pending' | 'Active';
  created_at: string;
  completed_at: string | null;
}

export interface RetiredReferralCodesTable {
  account_id: string;
  code: string;
  retired_at: string;
}

export interface WebhookSubscriptionsTable {
  id: string;
  account_id: string;
  url: string;
  topics: Json;
  secret: string;
  /**
   * The column's default, hmac-sha256, is the scheme of the subscriptions made before it existed;
   * Patron writes the scheme of every new one (standard-webhooks unless told otherwise).
   */
  signature: Generated<'standard-webhooks' | 'hmac-sha256' | 'gameball-v4'>;
  created_at: string;
}

export interface WebhookEventsTable {
  id: Generated<number>;
  event_id: string;
  account_id: string;
  topic: string;
  gameball_id: number | null;
  payload: string;
  created_at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event_id: number;
  subscription_id: string;
  account_id: string;
  ordering_key: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  account_id: string;
  delivery_id: number;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export type BatchStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface BatchJobsTable {
  id: Generated<number>;
  account_id: string;
  status: BatchStatus;
  total_items: number;
  processed_items: number;
  failed_items: number;
  stop_requested: Bool;
  claimed_until: string | null;
  message: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface BatchItemsTable {
  account_id: string;
  job_id: number;
  idx: number;
  body: string;
  status: 'pending' | 'done' | 'failed';
  gameball_id: number | null;
  error_code: number | null;
  error_message: string | null;
}

export interface ProfileHistoryTable {
  id: Generated<number>;
  account_id: string;
  gameball_id: number;
  at: string;
  operation: string;
  customer_id: string;
  request_id: string | null;
  changes: string;
  related_gameball_id: number | null;
  prev_id: number | null;
}

export type ConsoleRole = 'viewer' | 'editor';

export interface ConsoleLinksTable {
  token_hash: string;
  account_id: string;
  role: ConsoleRole;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ConsoleSessionsTable {
  id_hash: string;
  account_id: string;
  role: ConsoleRole;
  label: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface PatronNodesTable {
  id: string;
  role: 'serve' | 'import';
  seen_at: string;
  bulk: Generated<number>;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  created_at: string;
  lease_until: string;
  response_status: number | null;
  response_type: string | null;
  response_body: string | null;
}

export interface ProfileSplitsTable {
  account_id: string;
  gameball_id: number;
  sibling_gameball_id: number;
  created_at: string;
}

export interface IdentityRefusalsTable {
  id: Generated<number>;
  account_id: string;
  gameball_id: number;
  other_gameball_id: number | null;
  customer_id: string;
  kind: string;
  value: string;
  request_id: string | null;
  at: string;
}

/** A profile an explicit merge retired: its state then and its history's head (docs/identity.md "Explicit merge"). */
export interface RetiredProfilesTable {
  gameball_id: number;
  account_id: string;
  retired_into: number;
  retired_at: string;
  /** JSON of the profile's state (ProfileState) when it was retired. */
  state: string;
  history_head: number | null;
}

/** A profile to score for possible duplicates (docs/duplicates.md). */
export interface ProfileChangesTable {
  id: Generated<number>;
  account_id: string;
  gameball_id: number;
  at: string;
  claimed_until: string | null;
}

export interface DuplicateKeysTable {
  account_id: string;
  key: string;
  gameball_id: number;
}

export type SuggestionStatus = 'open' | 'merged' | 'dismissed';

export interface DuplicateSuggestionsTable {
  id: Generated<number>;
  account_id: string;
  /** The pair, lower gameballId first. */
  gameball_id: number;
  other_gameball_id: number;
  score: number;
  /** JSON: the features that matched. */
  features: string;
  /** JSON: the matched fields' values when scored. */
  matched: string;
  status: SuggestionStatus;
  created_at: string;
  updated_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

export interface Database {
  accounts: AccountsTable;
  profiles: ProfilesTable;
  customer_ids: CustomerIdsTable;
  referrals: ReferralsTable;
  retired_referral_codes: RetiredReferralCodesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  batch_jobs: BatchJobsTable;
  batch_items: BatchItemsTable;
  profile_history: ProfileHistoryTable;
  profile_splits: ProfileSplitsTable;
  identity_refusals: IdentityRefusalsTable;
  retired_profiles: RetiredProfilesTable;
  profile_changes: ProfileChangesTable;
  duplicate_keys: DuplicateKeysTable;
  duplicate_suggestions: DuplicateSuggestionsTable;
  idempotency_keys: IdempotencyKeysTable;
  patron_nodes: PatronNodesTable;
  console_links: ConsoleLinksTable;
  console_sessions: ConsoleSessionsTable;
}

export type Db = Kysely<Database>;

/**
 * Booleans are written as 1/0: better-sqlite3 cannot bind `true`, and PostgreSQL reads the
 * text '1'/'0' as a boolean.
 */
export const dbBool = (value: boolean): number => (value ? 1 : 0);

/** JSON columns arrive as text from SQLite and as values from PostgreSQL's jsonb. */
export function readJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
