// The identity module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { emailKey, identifierKey, type MergeKind, mergeKinds, mobileKey } from './merge-keys.js';
export { splitProfile } from './split-profile.js';
export {
  type ClaimLookup,
  customerIdLock,
  freeMergeKeys,
  type IdentityClaim,
  identifierConflict,
  IdentifierConflict,
  lockKeysOf,
  type MergeIdentifier,
  mergeKeyId,
  mergeKeysOf,
  missingIdentifier,
  type Resolution,
  resolveClaim,
} from './resolution.js';
export { blockedBy, type BlockRule, type Protection } from './protection.js';
export {
  compareIdentities,
  type CompareReason,
  explainIdentity,
  type IdentityExplanation,
  type IdentityFacts,
  type RefusalRecord,
} from './explain.js';
