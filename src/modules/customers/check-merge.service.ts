import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import { checkMergeBlocks, findAccountRecord, MERGE_BY, type AccountRecord, type MergeBy } from '../accounts/index.js';
import { blockedBy, type MergeKind } from '../identity/index.js';
import { customerIdsOfMany, profilesWithMoreCustomerIdsThan } from './customer-reads.store.js';
import { storedIdentifiers } from './identifier-scan.js';
import { areSplitSiblings } from './customers.store.js';

export interface MergeCollision {
  kind: MergeKind;
  /** The identifier as merging compares it (lower-cased email, E.164 mobile). */
  key: string;
  profiles: Array<{ gameballId: number; customerIds: string[] }>;
}

/** The merge settings a preview applies instead of the account's (absent: the account's own). */
export interface MergeSettingsPreview {
  mergeBy?: string;
  mergeCap?: number;
  /** Added to the account's own list. */
  mergeBlocks?: string[];
  defaultMergeBlocks?: boolean;
}

export interface MergePreview {
  mergeBy: MergeBy;
  /** Values more than one profile holds (blocked values and profiles an unmerge split aside). */
  collisions: MergeCollision[];
  /** Keys profiles hold now that the settings would block: their next write carrying them unindexes them. */
  stoppedKeys: Array<{ kind: MergeKind; key: string; gameballId: number; rule: string }>;
  /** Profiles already past the cap: they keep their customerIds; no implicit merge adds another. */
  pastCap: Array<{ gameballId: number; customerIds: number }>;
  /** Stored identifiers of a merged kind that are not merge keys (not blocked): indexed by their next write, if free. */
  unindexed: number;
}

/**
 * `patron accounts check-merge`: what merging under the given settings would meet in the stored
 * data — the identifier values that more than one profile holds (each would be refused with 3008
 * when a write carries the shared value, until fixed), the keys the settings would block, the
 * profiles past the cap, and how many stored identifiers are not indexed. Reads only; pages
 * through the profiles.
 */
export async function previewMergeSettings(
  store: Store,
  accountId: string,
  preview: MergeSettingsPreview,
): Promise<MergePreview> {
  const mergeBy = (preview.mergeBy ?? undefined) as MergeBy | undefined;
  if (mergeBy !== undefined && !(MERGE_BY as readonly string[]).includes(mergeBy))
    throw invalid('mergeBy', `must be one of ${MERGE_BY.join(', ')}`);
  if (preview.mergeCap !== undefined && !(Number.isInteger(preview.mergeCap) && preview.mergeCap >= 0))
    throw invalid('mergeCap', 'must be a whole number of customerIds from 0 (no cap)');
  const extraBlocks = preview.mergeBlocks === undefined ? undefined : checkMergeBlocks(preview.mergeBlocks);
  const stored = await findAccountRecord(store, accountId);
  if (!stored) throw new AppError('notFound', `No account with id "${accountId}".`);
  const account: AccountRecord = {
    ...stored,
    ...(mergeBy !== undefined && { mergeBy }),
    ...(preview.mergeCap !== undefined && { mergeCap: preview.mergeCap }),
    ...(preview.defaultMergeBlocks !== undefined && { defaultMergeBlocks: preview.defaultMergeBlocks }),
    ...(extraBlocks !== undefined && { mergeBlocks: [...stored.mergeBlocks, ...extraBlocks] }),
  };
  const holders = new Map<string, number[]>();
  const stoppedKeys: MergePreview['stoppedKeys'] = [];
  let unindexed = 0;
  for await (const { gameballId, identifiers } of storedIdentifiers(store, account)) {
    for (const { kind, key, storedKey } of identifiers) {
      const heldBlocked = storedKey === null ? undefined : blockedBy(account, kind, storedKey);
      if (storedKey !== null && heldBlocked)
        stoppedKeys.push({ kind, key: storedKey, gameballId, rule: heldBlocked.rule });
      if (key === undefined || blockedBy(account, kind, key)) continue;
      if (storedKey === null) unindexed++;
      const id = `${kind}\u0000${key}`;
      const list = holders.get(id);
      if (list) list.push(gameballId);
      else holders.set(id, [gameballId]);
    }
  }
  const collisions: MergeCollision[] = [];
  for (const [id, gameballIds] of holders) {
    if (gameballIds.length < 2) continue;
    // Two profiles an unmerge split share values by design: their requests never fail.
    if (
      gameballIds.length === 2 &&
      (await store.read((sql) => areSplitSiblings(sql, account.id, gameballIds[0]!, gameballIds[1]!)))
    )
      continue;
    const [kind, key] = id.split('\u0000') as [MergeKind, string];
    const ids = await customerIdsOfMany(store.db, account.id, gameballIds);
    collisions.push({
      kind,
      key,
      profiles: gameballIds.map((gameballId) => ({ gameballId, customerIds: ids.get(gameballId) ?? [] })),
    });
  }
  const pastCap =
    account.mergeCap > 0 ? await profilesWithMoreCustomerIdsThan(store.db, accountId, account.mergeCap) : [];
  return { mergeBy: account.mergeBy, collisions, stoppedKeys, pastCap, unindexed };
}

/** The collisions alone, under a merging (the settings' other rules as the account has them). */
export async function findMergeCollisions(store: Store, accountId: string, mergeBy: string): Promise<MergeCollision[]> {
  return (await previewMergeSettings(store, accountId, { mergeBy })).collisions;
}
