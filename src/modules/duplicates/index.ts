// The duplicates module's front door: what other modules and the interfaces may use (docs/architecture.md).
export {
  DEFAULT_DUPLICATES_PAGE,
  dismissDuplicate,
  type DuplicatesPage,
  getDuplicate,
  listDuplicates,
  MAX_DUPLICATES_PAGE,
  mergeDuplicate,
  type SuggestedProfile,
  type SuggestionView,
} from './duplicates.service.js';
export { type ScanProgress, scanAccount } from './duplicates-scan.service.js';
export { DuplicatesWorker } from './duplicates.worker.js';
export { scoreRound } from './scoring-round.js';
export { blockingKeys, type Person, toPerson } from './person.js';
export { type PairScore, scorePair, WEIGHTS } from './scoring.js';
