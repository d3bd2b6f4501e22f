// The customers module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { findMergeCollisions, type MergePreview, previewMergeSettings } from './check-merge.service.js';
export { type CustomerExport, exportCustomer } from './customer-export.service.js';
export { HASH_WINDOW_SECONDS, issueCustomerHash, verifyCustomerHash } from './customer-hash.js';
export { DEFAULT_HISTORY_PAGE, getHistory, MAX_HISTORY_PAGE } from './customer-history.service.js';
export { customerDetailsView, customerView } from './customer.view.js';
export {
  CustomerDetailsResponse,
  CustomerIdParams,
  CustomerResponse,
  CUSTOMERS_PATH,
  UpsertCustomerRequest,
  UpsertCustomerResponse,
} from './customers.schemas.js';
export {
  changeProfile,
  deleteCustomer,
  getCustomer,
  getCustomerWithIds,
  setCustomerActive,
} from './customers.service.js';
export { upsertCustomer, upsertCustomers, type UpsertOutcome, type UpsertResult } from './upsert.engine.js';
export { unmergeCustomer } from './unmerge.service.js';
export {
  countReferrals,
  DEFAULT_PAGE_SIZE,
  isReferrerCodeValid,
  listReferrals,
  MAX_PAGE_SIZE,
} from './customer-referrals.service.js';
export {
  COUNT_CAP,
  nameOf,
  PAGE_SIZE,
  searchCustomers,
  type SearchHit,
  type SearchResults,
} from './customer-search.store.js';
export { dryRunUpsert, type DryRunResult } from './upsert-dry-run.js';
export { compareCustomers, explainCustomer } from './identity-explanation.service.js';
export { indexMergeKeys, type IndexResult } from './index-merge-keys.service.js';
export { mergeCustomers, type ExplicitMergeDryRun, type ExplicitMergeResult } from './explicit-merge.service.js';
export { customerIdsOfMany, identityFieldsOf, profileSummaries, type ProfileSummary } from './customer-reads.store.js';
export {
  type ClaimedChange,
  claimProfileChanges,
  finishProfileChanges,
  newestProfileChange,
  pendingProfileChanges,
  queueWholeAccount,
} from './profile-changes.store.js';
export { retiredTargets } from './retired-profiles.store.js';
export { recordDismissal } from './pair-notes.service.js';
export { splitPairsOf } from './customers.store.js';
