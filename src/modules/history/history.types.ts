import type { FieldChange } from '../profiles/index.js';

export type { FieldChange };
/** What made a change to a profile (docs/identity.md "History"). */
export const HISTORY_OPERATIONS = [
  'upsert',
  'merge',
  'explicit merge',
  'activation',
  'tags',
  'batch item',
  'import row',
  'unmerge',
  'delete',
  'duplicate dismissed',
] as const;
export type HistoryOperation = (typeof HISTORY_OPERATIONS)[number];

/** Where a write came from: the operation and the request (or batch item, import row) it served. */
export interface WriteOrigin {
  operation: HistoryOperation;
  requestId: string | undefined;
}

/** An entry as written, before the store gives it an id. */
export interface HistoryRecord extends WriteOrigin {
  accountId: string;
  /** Unknown until the profile is inserted, for the entry of a create. */
  gameballId: number | undefined;
  at: string;
  customerId: string;
  /**
   * A new profile's entry lists no fields: what the profile held after it is read back from the
   * profile and the entries after it (history.store.ts). `changes` then holds only fields that
   * are not the profile's (customerIds).
   */
  newProfile?: boolean;
  changes: FieldChange[];
  /** The other profile of a merge of profiles or an unmerge. */
  relatedGameballId: number | null;
  /** Identifiers the write kept from being merge keys, and why (identity's Protection). */
  protections?: RecordedProtection[];
  /** A merge: the identifier it went by, as merging compares it. */
  mergedBy?: { kind: string; value: string };
}

/** A merge protection as an entry records it (docs/identity.md "Merge protection"). */
export interface RecordedProtection {
  identifier: string;
  kind: string;
  value: string;
  rule: string;
  blockedBy?: { rule: string; entry?: string };
  wouldJoin: number | null;
}

export interface HistoryEntry {
  id: number;
  at: string;
  operation: HistoryOperation;
  customerId: string;
  requestId: string | null;
  changes: FieldChange[];
  relatedGameballId: number | null;
  protections?: RecordedProtection[];
  mergedBy?: { kind: string; value: string };
  /** The entry that created the profile (the oldest, unless retention has removed it). */
  newProfile?: true;
}
