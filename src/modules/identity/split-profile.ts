import type { ProfileState, PushDevice } from '../profiles/index.js';
import { EMPTY_PROFILE, isStateField } from '../profiles/index.js';
import type { HistoryEntry } from '../history/index.js';
import { copyState, setFieldValue } from '../profiles/index.js';

/**
 * The two profiles an unmerge makes of one, rebuilt from its history (docs/identity.md "Unmerge"):
 * - the detached customerId leaves with the last value it set for each field, and the tags and
 *   devices it added;
 * - the profile keeps every field whose current value came through its other customerIds; a field
 *   whose value came through the detached one goes back to the last value the others set (or to no
 *   value).
 * Tags and devices are owned element by element (by who added them); the referral code and
 * referral state stay with the profile. What the history no longer shows (retention, history off)
 * stays with the profile.
 *
 * An explicit merge took fields from another profile, now retired: what those fields' values came
 * through is read from the retired profile's own history (`absorbed`), so each of its customerIds
 * leaves with what came through it. Without that history the merge counts as a write by the
 * customerId it named.
 */
export interface SplitProfile {
  remaining: ProfileState;
  leaving: ProfileState;
}

/** A profile an explicit merge retired: the one it joined, and its history, oldest first. */
export interface AbsorbedProfile {
  retiredInto: number;
  history: readonly HistoryEntry[];
}

/** Owned element by element, or not moved at all. */
const WHOLE_FIELDS = new Set(['tags', 'pushDevices', 'referralCode', 'isReferred']);

const tagKey = (tag: string) => tag.toLowerCase();
const deviceKey = (device: PushDevice) => device.deviceToken;

/** Who each current value and element came through. */
interface Attribution {
  writers: Map<string, string>;
  tagOwners: Map<string, string>;
  deviceOwners: Map<string, string>;
}

interface SplitInput {
  attached: readonly string[];
  absorbed: ReadonlyMap<number, AbsorbedProfile>;
}

/** Elements of `field` a change added (new, or changed for devices), and the keys it removed. */
function elementChanges<T>(
  before: T[] | null,
  after: T[] | null,
  keyOf: (element: T) => string,
  same: (a: T, b: T) => boolean,
): { added: string[]; removed: string[] } {
  const previous = new Map((before ?? []).map((e) => [keyOf(e), e]));
  const now = after ?? [];
  const kept = new Set(now.map(keyOf));
  const added = now.filter((e) => {
    const was = previous.get(keyOf(e));
    return was === undefined || !same(was, e);
  });
  return { added: added.map(keyOf), removed: [...previous.keys()].filter((k) => !kept.has(k)) };
}

/** The retired profile an entry of profile `owner` absorbed, if it is an explicit merge whose history we hold. */
const absorbedBy = (entry: HistoryEntry, owner: number, input: SplitInput): AbsorbedProfile | undefined => {
  if (entry.operation !== 'explicit merge' || entry.relatedGameballId === null) return undefined;
  const absorbed = input.absorbed.get(entry.relatedGameballId);
  return absorbed?.retiredInto === owner ? absorbed : undefined;
};

/** Walks one profile's history, oldest first, following explicit merges into the histories they absorbed. */
function attribute(history: readonly HistoryEntry[], owner: number, input: SplitInput): Attribution {
  const result: Attribution = { writers: new Map(), tagOwners: new Map(), deviceOwners: new Map() };
  for (const entry of history) {
    if (entry.operation === 'unmerge' || entry.operation === 'delete') continue;
    const absorbed = absorbedBy(entry, owner, input);
    const from = absorbed && attribute(absorbed.history, entry.relatedGameballId!, input);
    // Only what came through the customerIds attached now counts: one unmerged before took its own.
    if (!from && !input.attached.includes(entry.customerId)) continue;
    for (const change of entry.changes) {
      if (change.field === 'tags' || change.field === 'pushDevices') {
        const tags = change.field === 'tags';
        const owners = tags ? result.tagOwners : result.deviceOwners;
        const { added, removed } = tags
          ? elementChanges(change.before as string[] | null, change.after as string[] | null, tagKey, (a, b) => a === b)
          : elementChanges(
              change.before as PushDevice[] | null,
              change.after as PushDevice[] | null,
              deviceKey,
              (a, b) => a.updatedAt === b.updatedAt,
            );
        const fromOwners = from && (tags ? from.tagOwners : from.deviceOwners);
        for (const key of added) owners.set(key, fromOwners?.get(key) ?? entry.customerId);
        for (const key of removed) owners.delete(key);
      } else if (isStateField(change.field) && !WHOLE_FIELDS.has(change.field)) {
        result.writers.set(change.field, from?.writers.get(change.field) ?? entry.customerId);
      }
    }
  }
  return result;
}

/** The last value each field was set to through `detached` and through the others, over every history. */
function lastValues(
  histories: readonly (readonly HistoryEntry[])[],
  owners: readonly number[],
  input: SplitInput,
  detached: string,
) {
  const writes = histories
    .flatMap((history, i) => history.map((entry) => ({ entry, owner: owners[i]! })))
    .filter(
      ({ entry, owner }) =>
        input.attached.includes(entry.customerId) &&
        entry.operation !== 'unmerge' &&
        entry.operation !== 'delete' &&
        // A merge whose other history we hold is not a write: that history holds the writes. A
        // retired profile's last entry (naming the profile it joined) changes no field.
        absorbedBy(entry, owner, input) === undefined,
    )
    .sort((a, b) => a.entry.id - b.entry.id);
  const byDetached = new Map<string, unknown>();
  const byOthers = new Map<string, unknown>();
  for (const { entry } of writes) {
    for (const change of entry.changes) {
      if (!isStateField(change.field) || WHOLE_FIELDS.has(change.field)) continue;
      (entry.customerId === detached ? byDetached : byOthers).set(change.field, change.after);
    }
  }
  return { byDetached, byOthers };
}

export function splitProfile(
  current: ProfileState & { gameballId: number },
  history: readonly HistoryEntry[],
  attached: readonly string[],
  detached: string,
  absorbed: ReadonlyMap<number, AbsorbedProfile> = new Map(),
): SplitProfile {
  const input: SplitInput = { attached, absorbed };
  const { writers, tagOwners, deviceOwners } = attribute(history, current.gameballId, input);
  const retired = [...absorbed.entries()];
  const { byDetached, byOthers } = lastValues(
    [history, ...retired.map(([, profile]) => profile.history)],
    [current.gameballId, ...retired.map(([gameballId]) => gameballId)],
    input,
    detached,
  );

  const remaining = copyState(current);
  for (const [field, writer] of writers) {
    if (writer === detached) setFieldValue(remaining, field, byOthers.has(field) ? byOthers.get(field) : null);
  }
  const leaving = copyState(EMPTY_PROFILE);
  for (const [field, value] of byDetached) setFieldValue(leaving, field, value);

  remaining.tags = current.tags.filter((t) => tagOwners.get(tagKey(t)) !== detached);
  leaving.tags = current.tags.filter((t) => tagOwners.get(tagKey(t)) === detached);
  remaining.pushDevices = current.pushDevices.filter((d) => deviceOwners.get(deviceKey(d)) !== detached);
  leaving.pushDevices = current.pushDevices.filter((d) => deviceOwners.get(deviceKey(d)) === detached);
  return { remaining, leaving };
}
