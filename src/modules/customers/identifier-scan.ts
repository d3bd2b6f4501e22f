import type { Store } from '../../db/connect.js';
import type { AccountRecord } from '../accounts/index.js';
import { identifierKey, mergeKinds, type MergeKind } from '../identity/index.js';
import { profilePage } from './customer-reads.store.js';

const PAGE = 5_000;

/** One profile's stored identifiers of the kinds the account merges by. */
export interface StoredIdentifiers {
  gameballId: number;
  identifiers: Array<{
    kind: MergeKind;
    /** The value as merging compares it; undefined when none is stored or it cannot be read. */
    key: string | undefined;
    /** The merge key the profile holds for this kind (null: none). */
    storedKey: string | null;
  }>;
}

/**
 * Every profile of the account with its stored identifiers, normalised under the account's
 * settings, a page of profiles at a time by gameballId (check-merge and index-merge-keys read the
 * whole account this way; nothing is held but the page).
 */
export async function* storedIdentifiers(store: Store, account: AccountRecord): AsyncGenerator<StoredIdentifiers> {
  const kinds = mergeKinds(account.mergeBy);
  for (let after = 0; ;) {
    const rows = await profilePage(store.db, account.id, after, PAGE);
    for (const row of rows) {
      yield {
        gameballId: Number(row.gameball_id),
        identifiers: kinds.map((kind) => ({
          kind,
          key: identifierKey(account, kind, row[kind]),
          storedKey: kind === 'email' ? row.email_key : row.mobile_key,
        })),
      };
    }
    if (rows.length < PAGE) return;
    after = Number(rows.at(-1)!.gameball_id);
  }
}
