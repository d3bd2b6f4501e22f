// The history module's front door: what other modules and the interfaces may use (docs/architecture.md).
export {
  eraseHistory,
  historyValues,
  insertDeleteEntry,
  insertHistory,
  insertHistoryRows,
  insertHistoryText,
  listHistory,
  readWholeHistory,
} from './history.store.js';
export {
  type FieldChange,
  HISTORY_OPERATIONS,
  type HistoryEntry,
  type HistoryRecord,
  type WriteOrigin,
  type RecordedProtection,
} from './history.types.js';
export { HistoryPurgeWorker } from './history.worker.js';
export { historyKept, newHistoryRecord } from './history-record.js';
