// The accounts module's front door: what other modules and the interfaces may use (docs/architecture.md).
export {
  changeAccount,
  createAccount,
  ensureDefaultAccount,
  findAccountRecord,
  getAccount,
  getAccounts,
  mintSessionToken,
  rotateAccountKeys,
  sessionTokenStatus,
  type SettingsInput,
} from './accounts.service.js';
export {
  type Account,
  type AccountKeys,
  type AccountRecord,
  API_VERSIONS,
  type ApiVersion,
  MERGE_BY,
  type MergeBy,
  REFERRAL_COMPLETION,
  type ReferralCompletion,
} from './accounts.types.js';
export { type ConsoleSession, SESSION_TTL_MS, sessionOf, signIn, signOut } from './console-access.service.js';
export { setWebhookFlag } from './accounts.service.js';
export { authenticate, forgetAccount, holdsSecretKey } from './account-auth.service.js';
export { checkMergeBlocks } from './merge-blocks.js';
