// @patron/client: a typed client for Patron's API (README.md).
export {
  type Customer,
  type DuplicateSuggestion,
  type HistoryEntry,
  PatronClient,
  type PatronClientOptions,
  type ReferredFriend,
  type UpsertCustomer,
  type UpsertedCustomer,
  type WriteOptions,
} from './client.js';
export { type ErrorBody, PatronError } from './errors.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry.js';
export { makeSessionToken, type SessionTokenInput } from './session-token.js';
export {
  verifyWebhook,
  type VerifyWebhookInput,
  type WebhookHeaders,
  type WebhookScheme,
  WebhookVerificationError,
} from './webhooks.js';
export type { paths } from './schema.js';
