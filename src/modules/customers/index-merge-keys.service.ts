import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import { findAccountRecord } from '../accounts/index.js';
import { blockedBy, lockKeysOf, type MergeKind } from '../identity/index.js';
import { storedIdentifiers } from './identifier-scan.js';
import { mergeKeyHolder } from './customers.store.js';
import { setMergeKey } from './profile-writes.store.js';

export interface IndexResult {
  /** Profiles read, and stored identifiers that became merge keys. */
  profiles: number;
  indexed: number;
  /** Values more than one profile holds: left as plain values (each would be refused with 3008 until fixed). */
  collisions: Array<{ kind: MergeKind; key: string; gameballIds: number[] }>;
  /** Values another profile already holds as its key: left as plain values here. */
  heldElsewhere: number;
}

const BATCH = 500;

/**
 * `patron accounts index-merge-keys`: makes the stored identifiers of existing profiles merge keys
 * under the account's settings (docs/identity.md "Switching merging on"), as if each profile's
 * next write had carried them — but only where exactly one profile holds the value, it is not
 * blocked, and no profile holds it as a key already. Runs in batches under the same key locks as
 * writes, so writes go on beside it; a value taken meanwhile is left alone.
 */
export async function indexMergeKeys(
  store: Store,
  accountId: string,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<IndexResult> {
  const account = await findAccountRecord(store, accountId);
  if (!account) throw new AppError('notFound', `No account with id "${accountId}".`);
  // Who holds each value (as a key or as a plain value), read once: one pass over the profiles.
  const holders = new Map<string, { gameballIds: number[]; keyed: boolean }>();
  const candidates: Array<{ gameballId: number; kind: MergeKind; key: string }> = [];
  let profiles = 0;
  for await (const { gameballId, identifiers } of storedIdentifiers(store, account)) {
    profiles++;
    for (const { kind, key, storedKey } of identifiers) {
      if (key === undefined || blockedBy(account, kind, key)) continue;
      const id = `${kind}\u0000${key}`;
      const holder = holders.get(id) ?? { gameballIds: [], keyed: false };
      holder.gameballIds.push(gameballId);
      holder.keyed ||= storedKey !== null;
      holders.set(id, holder);
      if (storedKey === null) candidates.push({ gameballId, kind, key });
    }
  }
  const collisions: IndexResult['collisions'] = [];
  for (const [id, holder] of holders) {
    if (holder.gameballIds.length < 2 || holder.keyed) continue;
    const [kind, key] = id.split('\u0000') as [MergeKind, string];
    collisions.push({ kind, key, gameballIds: holder.gameballIds });
  }
  let heldElsewhere = 0;
  const todo = candidates.filter(({ kind, key }) => {
    const holder = holders.get(`${kind}\u0000${key}`)!;
    if (holder.keyed) heldElsewhere++;
    return !holder.keyed && holder.gameballIds.length === 1;
  });
  let indexed = 0;
  for (let i = 0; i < todo.length; i += BATCH) {
    const batch = todo.slice(i, i + BATCH);
    const locks = batch.flatMap(({ kind, key }) =>
      lockKeysOf(account, {
        customerId: '',
        identifiers: [{ kind, key, field: kind }],
        requiredIdentifier: undefined,
      }).slice(1),
    );
    indexed += await store.write(async (tx) => {
      let done = 0;
      for (const { gameballId, kind, key } of batch) {
        // Taken by a write since the scan: that profile keeps it.
        if ((await mergeKeyHolder(tx.sql, account.id, kind, key)) !== undefined) continue;
        done += await setMergeKey(tx.sql, gameballId, kind, key);
      }
      return done;
    }, locks);
    onProgress(Math.min(i + BATCH, todo.length), todo.length);
  }
  return { profiles, indexed, collisions, heldElsewhere };
}
