// The accounts module's front door: what other modules and the interfaces may use (docs/architecture.md).
export {
  authenticate,
  changeAccount,
  createAccount,
  ensureDefaultAccount,
  findAccountRecord,
  getAccount,
  getAccounts,
  holdsSecretKey,
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
export { forgetAccount, setWebhookFlag } from './accounts.service.js';
