import type { AccountRecord } from '../accounts/index.js';
import type { HistoryEntry, RecordedProtection } from '../history/index.js';
import type { Profile } from '../profiles/index.js';
import { identifierKey, mergeKinds, type MergeKind } from './merge-keys.js';
import { blockedBy, type BlockRule } from './protection.js';

/**
 * Explanations (docs/identity.md "Explanations"): why records are one person, or not — derived from
 * the profile's history and protection records, read by the customers module.
 */

/** What the profile's history says about one customerId of it. */
export interface CustomerIdStory {
  customerId: string;
  /** False for one that left with an unmerge. */
  present: boolean;
  /** `created` the profile; `merged` into it by an identifier; `unmerged`: split off another profile with it; `unknown`: older than the history kept. */
  joined: 'created' | 'merged' | 'explicit-merge' | 'unmerged' | 'unknown';
  /** A merge: the identifier and its value, as merging compares it. */
  by?: { kind: string; value: string };
  at?: string;
  /** The request, batch item, import row or console session it came through. */
  through?: { operation: string; requestId: string | null };
  /** `unmerged`: the profile it left. */
  from?: number | null;
  /** Gone with an unmerge: when, and the profile it made. */
  left?: { at: string; requestId: string | null; gameballId: number | null };
}

export type NotKeyReason = 'merge-off' | 'blocked-value' | 'cap' | 'split' | 'not-indexed';

export interface IdentifierStory {
  kind: MergeKind;
  /** As stored on the profile. */
  value: string;
  mergeKey: boolean;
  reason?: NotKeyReason;
  blockedBy?: { rule: BlockRule; entry?: string };
  /** The profile holding the key, when another one does. */
  heldBy?: number;
  message: string;
}

export type ProtectionRecord = RecordedProtection & { at: string; customerId: string; requestId: string | null };

/** A request refused with 3008: the profile holding the identifier, and the one the request's customerId reached (null: a new customerId). */
export interface RefusalRecord {
  gameballId: number;
  otherGameballId: number | null;
  customerId: string;
  kind: string;
  value: string;
  requestId: string | null;
  at: string;
}

export interface IdentityExplanation {
  gameballId: number;
  /** `off`: the store keeps no history (PATRON_HISTORY_RETENTION_DAYS=0), so how customerIds joined is unknown. */
  history: 'kept' | 'off';
  customerIds: CustomerIdStory[];
  identifiers: IdentifierStory[];
  protections: ProtectionRecord[];
  /** Requests refused with 3008 that named this profile (the newest 20 kept per profile). */
  refusals: RefusalRecord[];
}

/** What the customers module reads for an explanation, beside the profile and its history. */
export interface IdentityFacts {
  account: AccountRecord;
  profile: Profile;
  customerIds: string[];
  /** Oldest first. */
  entries: HistoryEntry[];
  historyKept: boolean;
  /** The 3008 refusals recorded against the profile (as the holder, or as the profile the request reached). */
  refusals: RefusalRecord[];
  /** For each stored identifier that is not a key here: the profile holding its key, and whether an unmerge split the two. */
  holders: Partial<Record<MergeKind, { gameballId: number; split: boolean }>>;
}

function customerIdStories(facts: IdentityFacts): CustomerIdStory[] {
  const stories = new Map<string, CustomerIdStory>();
  const story = (customerId: string): CustomerIdStory => {
    let found = stories.get(customerId);
    if (!found)
      stories.set(
        customerId,
        (found = { customerId, present: facts.customerIds.includes(customerId), joined: 'unknown' }),
      );
    return found;
  };
  for (const entry of facts.entries) {
    const through = { operation: entry.operation, requestId: entry.requestId };
    if (entry.operation === 'merge') {
      Object.assign(story(entry.customerId), {
        joined: 'merged',
        at: entry.at,
        through,
        ...(entry.mergedBy && { by: entry.mergedBy }),
      });
    } else if (entry.operation === 'explicit merge') {
      // Every customerId the other profile brought joined by a person's decision.
      const moved = entry.changes.find((c) => c.field === 'customerIds');
      const before = new Set((moved?.before as string[] | null) ?? []);
      for (const id of (moved?.after as string[] | null) ?? [entry.customerId])
        if (!before.has(id))
          Object.assign(story(id), { joined: 'explicit-merge', at: entry.at, through, from: entry.relatedGameballId });
    } else if (entry.newProfile) {
      const split = entry.operation === 'unmerge';
      Object.assign(story(entry.customerId), {
        joined: split ? 'unmerged' : 'created',
        at: entry.at,
        through,
        ...(split && { from: entry.relatedGameballId }),
      });
    } else if (entry.operation === 'unmerge') {
      story(entry.customerId).left = { at: entry.at, requestId: entry.requestId, gameballId: entry.relatedGameballId };
    }
  }
  for (const customerId of facts.customerIds) story(customerId);
  return [...stories.values()].sort((a, b) => Number(b.present) - Number(a.present));
}

function identifierStory(facts: IdentityFacts, kind: MergeKind, value: string): IdentifierStory {
  const { account, profile } = facts;
  const key = kind === 'email' ? profile.emailKey : profile.mobileKey;
  if (key !== null) return { kind, value, mergeKey: true, message: 'a new customerId sending it joins this profile' };
  if (!mergeKinds(account.mergeBy).includes(kind))
    return { kind, value, mergeKey: false, reason: 'merge-off', message: `the account does not merge by ${kind}` };
  const normalised = identifierKey(account, kind, value);
  const blocked = normalised === undefined ? undefined : blockedBy(account, kind, normalised);
  if (blocked)
    return {
      kind,
      value,
      mergeKey: false,
      reason: 'blocked-value',
      blockedBy: blocked,
      message: `a blocked value (${blocked.rule}${blocked.entry ? `: ${blocked.entry}` : ''}): stored, never a merge key`,
    };
  const holder = facts.holders[kind];
  if (holder?.split)
    return {
      kind,
      value,
      mergeKey: false,
      reason: 'split',
      heldBy: holder.gameballId,
      message: `an unmerge split this profile from gameballId ${holder.gameballId}, which holds it as its key`,
    };
  const capped = facts.entries.some((e) =>
    e.protections?.some((p) => p.kind === kind && p.value === normalised && p.rule === 'cap'),
  );
  if (capped)
    return {
      kind,
      value,
      mergeKey: false,
      reason: 'cap',
      ...(holder && { heldBy: holder.gameballId }),
      message: `the profile holding it had reached the account's merge cap (${account.mergeCap}) when it came`,
    };
  return {
    kind,
    value,
    mergeKey: false,
    reason: 'not-indexed',
    ...(holder && { heldBy: holder.gameballId }),
    message: holder
      ? `stored before the account merged by ${kind}; gameballId ${holder.gameballId} holds it as its key`
      : `stored before the account merged by ${kind}: the next write that carries it makes it a key`,
  };
}

export function explainIdentity(facts: IdentityFacts): IdentityExplanation {
  const identifiers: IdentifierStory[] = [];
  for (const kind of ['email', 'mobile'] as const) {
    const value = facts.profile[kind];
    if (value !== null) identifiers.push(identifierStory(facts, kind, value));
  }
  return {
    gameballId: facts.profile.gameballId,
    history: facts.historyKept ? 'kept' : 'off',
    customerIds: customerIdStories(facts),
    identifiers,
    protections: facts.entries.flatMap((e) =>
      (e.protections ?? []).map((p) => ({ ...p, at: e.at, customerId: e.customerId, requestId: e.requestId })),
    ),
    refusals: facts.refusals,
  };
}

export interface CompareReason {
  code:
    | 'created'
    | 'merged'
    | 'explicit-merge'
    | 'unmerged'
    | 'unknown'
    | 'no-shared-identifier'
    | 'different-email'
    | 'different-mobile'
    | 'merge-off'
    | 'blocked-value'
    | 'cap'
    | 'split'
    | 'not-indexed'
    | 'conflict';
  message: string;
}

/** How a customerId came to its profile, as a compare reason. */
function joinReason(story: CustomerIdStory): CompareReason {
  const when = story.at ? ` on ${story.at}` : '';
  const through = story.through?.requestId ? ` (${story.through.operation}, ${story.through.requestId})` : '';
  const message = {
    created: `${story.customerId} created the profile${when}${through}`,
    merged: `${story.customerId} joined the profile${story.by ? ` by its ${story.by.kind} ${story.by.value}` : ''}${when}${through}`,
    'explicit-merge': `${story.customerId} joined by an explicit merge of gameballId ${story.from}${when}${through}`,
    unmerged: `${story.customerId} came with an unmerge from gameballId ${story.from}${when}`,
    unknown: `how ${story.customerId} joined is older than the history kept`,
  }[story.joined];
  return { code: story.joined, message };
}

/**
 * Why two customerIds are one profile (how each joined), or every reason they are not: the
 * identifiers they differ on, and for each value they share why it did not join them.
 */
export function compareIdentities(
  account: AccountRecord,
  a: { customerId: string; explanation: IdentityExplanation; profile: Profile },
  b: { customerId: string; explanation: IdentityExplanation; profile: Profile },
  split: { at: string } | undefined,
): { sameProfile: boolean; reasons: CompareReason[] } {
  if (a.profile.gameballId === b.profile.gameballId) {
    const stories = a.explanation.customerIds.filter(
      (s) => s.customerId === a.customerId || s.customerId === b.customerId,
    );
    return { sameProfile: true, reasons: stories.map(joinReason) };
  }
  const reasons: CompareReason[] = [];
  if (split) reasons.push({ code: 'split', message: `an unmerge separated the two profiles on ${split.at}` });
  let shared = false;
  for (const kind of ['email', 'mobile'] as const) {
    const va = identifierKey(account, kind, a.profile[kind]);
    const vb = identifierKey(account, kind, b.profile[kind]);
    if (va === undefined || vb === undefined) continue;
    if (va !== vb) {
      reasons.push({ code: `different-${kind}`, message: `their ${kind}s differ: ${va} and ${vb}` });
      continue;
    }
    shared = true;
    if (!mergeKinds(account.mergeBy).includes(kind)) {
      reasons.push({
        code: 'merge-off',
        message: `they share the ${kind} ${va}, but the account does not merge by ${kind}`,
      });
      continue;
    }
    const blocked = blockedBy(account, kind, va);
    if (blocked) {
      reasons.push({
        code: 'blocked-value',
        message: `they share the ${kind} ${va}, a blocked value (${blocked.rule})`,
      });
      continue;
    }
    const cap = [a, b]
      .flatMap((side) => side.explanation.protections)
      .find((p) => p.kind === kind && p.value === va && p.rule === 'cap');
    if (cap) {
      reasons.push({
        code: 'cap',
        message: `they share the ${kind} ${va}; when ${cap.customerId} sent it on ${cap.at}, gameballId ${cap.wouldJoin} had reached the merge cap`,
      });
      continue;
    }
    if (!split)
      reasons.push({
        code: 'not-indexed',
        message: `they share the ${kind} ${va}, stored on one before the account merged by ${kind}`,
      });
  }
  const [ga, gb] = [a.profile.gameballId, b.profile.gameballId];
  for (const r of a.explanation.refusals) {
    if ((r.gameballId === ga && r.otherGameballId === gb) || (r.gameballId === gb && r.otherGameballId === ga))
      reasons.push({
        code: 'conflict',
        message: `on ${r.at} a request of ${r.customerId} carrying the ${r.kind} ${r.value} would have joined them and was refused with 3008`,
      });
  }
  if (!shared) reasons.unshift({ code: 'no-shared-identifier', message: 'they share no email or mobile' });
  return { sameProfile: false, reasons };
}
