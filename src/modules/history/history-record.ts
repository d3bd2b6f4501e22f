import type { Store } from '../../db/connect.js';
import type { FieldChange } from '../profiles/index.js';
import type { HistoryRecord, WriteOrigin } from './history.types.js';

/**
 * The history entry of a change, when the store keeps history: `changes` as diffProfiles told
 * them (the same diff that decided there was a change); undefined: a new profile, whose entry
 * lists no fields (they are read back from the profile, history.store.ts). The writer of the
 * profile stores it with the change (history.store.ts insertHistoryText), in its transaction.
 */
export function newHistoryRecord(
  store: Pick<Store, 'recordsHistory'>,
  accountId: string,
  origin: WriteOrigin,
  customerId: string,
  at: string,
  changes: FieldChange[] | undefined,
): HistoryRecord | undefined {
  if (!store.recordsHistory) return undefined;
  // Written out, not spread from `origin`: V8 builds a spread-and-extend literal on a slow path
  // (about 7 µs here), and every write makes one of these.
  return {
    operation: origin.operation,
    requestId: origin.requestId,
    accountId,
    gameballId: undefined,
    at,
    customerId,
    newProfile: changes === undefined,
    changes: changes ?? [],
    relatedGameballId: null,
  };
}

/** The history head a changed profile keeps: a change the store does not record cuts it off its history. */
export const historyKept = (
  store: Pick<Store, 'recordsHistory'>,
  profile: { historyHead: number | null },
): number | null => (store.recordsHistory ? profile.historyHead : null);
