import { createHash } from 'node:crypto';
import type { Store } from '../../db/connect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { type AccountRecord, findAccountRecord } from '../accounts/index.js';
import {
  type ClaimedChange,
  claimProfileChanges,
  finishProfileChanges,
  identityFieldsOf,
  retiredTargets,
  splitPairsOf,
} from '../customers/index.js';
import {
  decideSuggestion,
  deleteKeysOf,
  deleteSuggestions,
  insertSuggestions,
  profilesByKeys,
  replaceKeys,
  rescoreSuggestion,
  type ScoredPair,
  type Suggestion,
  suggestionsOf,
} from './duplicates.store.js';
import { blockingKeys, type Person, toPerson } from './person.js';
import { scorePair } from './scoring.js';

/** Profiles claimed per round: bounded work and memory, whatever the account's size. */
export const ROUND_SIZE = 200;
const LEASE_MS = 60_000;

const pairKey = (a: number, b: number) => (a < b ? `${a}|${b}` : `${b}|${a}`);
const ordered = (a: number, b: number): [number, number] => (a < b ? [a, b] : [b, a]);

/** The matched fields' values on both sides, hashed: a dismissed pair returns when this changes. */
function matchedFingerprint(a: Person, b: Person, fields: readonly string[]): string {
  const value = (p: Person, field: string): unknown =>
    field === 'firstName' ? p.first?.plain : field === 'lastName' ? p.last?.plain : p[field as keyof Person];
  const [x, y] = a.gameballId < b.gameballId ? [a, b] : [b, a];
  const text = JSON.stringify([...fields].sort().map((f) => [f, value(x, f), value(y, f)]));
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/**
 * One round of the possible-duplicates worker (docs/duplicates.md): claims queued profiles, writes
 * their blocking keys, finds candidates by those keys in the store, scores each pair and keeps the
 * account's suggestions in step — new ones at or above its threshold, rescored ones, a dismissed
 * pair reopened only when a matched value changed, and the suggestions of profiles that are gone
 * closed (`merged` when it went into the other by an explicit merge). Never merges. Reads outside
 * the write transactions, so scoring holds no write's locks. Answers how many changes it took.
 */
export async function scoreRound(store: Store, options: { accountId?: string; limit?: number } = {}): Promise<number> {
  const now = new Date();
  const claimed = await claimProfileChanges(store, {
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(),
    limit: options.limit ?? ROUND_SIZE,
    ...(options.accountId !== undefined && { accountId: options.accountId }),
  });
  const byAccount = new Map<string, ClaimedChange[]>();
  for (const change of claimed) byAccount.set(change.accountId, [...(byAccount.get(change.accountId) ?? []), change]);
  for (const [accountId, changes] of byAccount) {
    const account = await findAccountRecord(store, accountId);
    await scoreAccountChanges(store, accountId, account, changes);
  }
  return claimed.length;
}

async function scoreAccountChanges(
  store: Store,
  accountId: string,
  account: AccountRecord | undefined,
  changes: readonly ClaimedChange[],
): Promise<void> {
  const ids = [...new Set(changes.map((c) => c.gameballId))];
  const fields = await identityFieldsOf(store.db, accountId, ids);
  const gone = ids.filter((id) => !fields.has(id));
  // An account that stopped looking for duplicates only has its gone profiles' keys and suggestions closed.
  const scoring = account?.duplicateDetection === true ? [...fields.values()] : [];
  const people = new Map(scoring.map((f) => [f.gameballId, toPerson(f)]));
  const keys = new Map([...people.values()].map((p) => [p.gameballId, blockingKeys(p)]));
  // Keys first, then the lookup: of two profiles scored at once on two nodes, one sees the other.
  await store.write(async ({ sql }) => {
    await replaceKeys(sql, accountId, keys);
    await deleteKeysOf(sql, gone);
  });
  const [byKey, existing] = await store.read(async (sql) => [
    await profilesByKeys(sql, accountId, [...keys.values()].flat()),
    await suggestionsOf(sql, accountId, ids),
  ]);
  const candidates = new Map<number, Set<number>>();
  for (const [id, own] of keys) {
    const found = new Set(own.flatMap((key) => byKey.get(key) ?? []));
    for (const s of existing)
      if (s.gameballIds.includes(id)) found.add(s.gameballIds[0] === id ? s.gameballIds[1] : s.gameballIds[0]);
    found.delete(id);
    candidates.set(id, found);
  }
  const others = [...new Set([...candidates.values()].flatMap((set) => [...set]))].filter((id) => !people.has(id));
  for (const [id, f] of await identityFieldsOf(store.db, accountId, others)) people.set(id, toPerson(f));

  // Two profiles an unmerge split: a person decided they are two, as a dismissal would.
  const split = await splitPairsOf(
    store.db,
    accountId,
    [...people.keys()].filter((id) => candidates.has(id)),
  );
  const scored = new Map<string, ScoredPair>();
  for (const [id, set] of candidates) {
    for (const other of set) {
      const key = pairKey(id, other);
      const a = people.get(id)!;
      const b = people.get(other);
      if (scored.has(key) || !b || split.has(key)) continue;
      const { score, features, fields: matched } = scorePair(a, b);
      scored.set(key, { gameballIds: ordered(id, other), score, features, matched: matchedFingerprint(a, b, matched) });
    }
  }
  const threshold = account?.duplicateThreshold ?? 1;
  const at = new Date().toISOString();
  const targets = await retiredTargets(store.db, accountId, gone);
  await store.write(async ({ sql }) => {
    await keepSuggestions(sql, accountId, { scored, existing, threshold, at });
    await closeGone(sql, existing, gone, targets, at);
    await finishProfileChanges(
      sql,
      changes.map((c) => c.id),
    );
  });
}

interface Keeping {
  scored: ReadonlyMap<string, ScoredPair>;
  existing: readonly Suggestion[];
  threshold: number;
  at: string;
}

async function keepSuggestions(sql: SqlRunner, accountId: string, k: Keeping): Promise<void> {
  const byPair = new Map(k.existing.map((s) => [pairKey(...s.gameballIds), s]));
  const stale: number[] = [];
  const fresh: ScoredPair[] = [];
  for (const [key, pair] of k.scored) {
    const current = byPair.get(key);
    const likely = pair.score >= k.threshold;
    if (!current) {
      if (likely) fresh.push(pair);
    } else if (current.status === 'open') {
      if (!likely) stale.push(current.id);
      else if (current.score !== pair.score || current.matched !== pair.matched)
        await rescoreSuggestion(sql, current.id, pair, k.at, false);
    } else if (current.status === 'dismissed' && likely && current.matched !== pair.matched) {
      await rescoreSuggestion(sql, current.id, pair, k.at, true);
    }
  }
  await insertSuggestions(sql, accountId, fresh, k.at);
  await deleteSuggestions(sql, stale);
}

/** A profile that is gone closes its suggestions: merged into the other side, or removed with it. */
async function closeGone(
  sql: SqlRunner,
  existing: readonly Suggestion[],
  gone: readonly number[],
  targets: ReadonlyMap<number, number>,
  at: string,
): Promise<void> {
  const removed: number[] = [];
  for (const s of existing) {
    const [a, b] = s.gameballIds;
    const side = gone.includes(a) ? a : gone.includes(b) ? b : undefined;
    // A merged suggestion stays as the record of its decision.
    if (side === undefined || s.status === 'merged') continue;
    const mergedIntoOther = targets.get(side) === (side === a ? b : a);
    if (s.status === 'open' && mergedIntoOther)
      await decideSuggestion(sql, s.accountId, s.id, 'merged', at, 'explicit merge');
    else removed.push(s.id);
  }
  await deleteSuggestions(sql, removed);
}
