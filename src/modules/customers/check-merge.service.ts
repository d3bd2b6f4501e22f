import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import { findAccountRecord, MERGE_BY, type MergeBy } from '../accounts/index.js';
import { emailKey, mergeKinds, mobileKey, type MergeKind } from '../identity/index.js';
import { customerIdsOfMany, profilePage } from './customer-reads.store.js';

export interface MergeCollision {
  kind: MergeKind;
  /** The identifier as merging compares it (lower-cased email, E.164 mobile). */
  key: string;
  profiles: Array<{ gameballId: number; customerIds: string[] }>;
}

const PAGE = 5_000;

/**
 * `patron accounts check-merge`: the identifier values that more than one profile of the account
 * holds, read from the stored values and normalised as merging compares them. A careful operator
 * runs it before merging by an identifier: each such profile would be refused (3008) when a write
 * carries the shared value, until the profiles are fixed. Reads only; pages through the profiles.
 */
export async function findMergeCollisions(store: Store, accountId: string, mergeBy: string): Promise<MergeCollision[]> {
  if (!(MERGE_BY as readonly string[]).includes(mergeBy))
    throw invalid('mergeBy', `must be one of ${MERGE_BY.join(', ')}`);
  const account = await findAccountRecord(store, accountId);
  if (!account) throw new AppError('notFound', `No account with id "${accountId}".`);
  const kinds = mergeKinds(mergeBy as MergeBy);
  const holders = new Map<string, number[]>();
  let after = 0;
  for (;;) {
    const rows = await profilePage(store.db, accountId, after, PAGE);
    for (const row of rows) {
      for (const kind of kinds) {
        const value = kind === 'email' ? row.email : row.mobile;
        const key =
          value === null ? undefined : kind === 'email' ? emailKey(value) : mobileKey(value, account.defaultCountry);
        if (key === undefined) continue;
        const id = `${kind}\u0000${key}`;
        const list = holders.get(id);
        if (list) list.push(Number(row.gameball_id));
        else holders.set(id, [Number(row.gameball_id)]);
      }
    }
    if (rows.length < PAGE) break;
    after = Number(rows.at(-1)!.gameball_id);
  }
  const collisions: MergeCollision[] = [];
  for (const [id, gameballIds] of holders) {
    if (gameballIds.length < 2) continue;
    const [kind, key] = id.split('\u0000') as [MergeKind, string];
    const ids = await customerIdsOfMany(store.db, gameballIds);
    collisions.push({
      kind,
      key,
      profiles: gameballIds.map((gameballId) => ({
        gameballId,
        customerIds: ids.get(gameballId) ?? [],
      })),
    });
  }
  return collisions;
}
