import type { ProfileState, PushDevice } from '../profiles/index.js';
import { EMPTY_PROFILE } from '../profiles/index.js';
import type { HistoryEntry } from '../history/index.js';
import { copyState, setFieldValue } from '../profiles/index.js';

/**
 * The two profiles an unmerge makes of one, rebuilt from its history (docs/identity.md "Unmerge"):
 * - the detached customerId leaves with the last value it set for each field, and the tags and
 *   devices it added;
 * - the profile keeps every field whose current value came through its other customerIds; a field
 *   last set through the detached one goes back to the last value the others set (or to no value).
 * Tags and devices are owned element by element (by who added them); the referral code and
 * referral state stay with the profile. What the history no longer shows (retention, history off)
 * stays with the profile.
 */
export interface SplitProfile {
  remaining: ProfileState;
  leaving: ProfileState;
}

/** Owned element by element, or not moved at all. */
const WHOLE_FIELDS = new Set(['tags', 'pushDevices', 'referralCode', 'isReferred']);

/** Who added each element still there: tags by lower-cased name, devices by token. */
function elementOwners<T>(
  entries: readonly HistoryEntry[],
  field: string,
  keyOf: (element: T) => string,
  same: (a: T, b: T) => boolean,
): Map<string, string> {
  const owners = new Map<string, string>();
  for (const entry of entries) {
    for (const change of entry.changes) {
      if (change.field !== field) continue;
      const before = new Map(((change.before as T[] | null) ?? []).map((e) => [keyOf(e), e]));
      const after = (change.after as T[] | null) ?? [];
      const kept = new Set(after.map(keyOf));
      for (const element of after) {
        const previous = before.get(keyOf(element));
        if (previous === undefined || !same(previous, element)) owners.set(keyOf(element), entry.customerId);
      }
      for (const key of before.keys()) if (!kept.has(key)) owners.delete(key);
    }
  }
  return owners;
}

const tagKey = (tag: string) => tag.toLowerCase();
const deviceKey = (device: PushDevice) => device.deviceToken;

export function splitProfile(
  current: ProfileState,
  history: readonly HistoryEntry[],
  attached: readonly string[],
  detached: string,
): SplitProfile {
  // Only what came through the customerIds attached now counts: one unmerged before took its own.
  const relevant = history.filter(
    (e) => attached.includes(e.customerId) && e.operation !== 'unmerge' && e.operation !== 'delete',
  );
  const lastWriter = new Map<string, string>();
  const lastByOthers = new Map<string, unknown>();
  const lastByDetached = new Map<string, unknown>();
  for (const entry of relevant) {
    for (const change of entry.changes) {
      if (WHOLE_FIELDS.has(change.field)) continue;
      lastWriter.set(change.field, entry.customerId);
      (entry.customerId === detached ? lastByDetached : lastByOthers).set(change.field, change.after);
    }
  }

  const remaining = copyState(current);
  for (const [field, writer] of lastWriter) {
    if (writer === detached) setFieldValue(remaining, field, lastByOthers.has(field) ? lastByOthers.get(field) : null);
  }
  const leaving = copyState(EMPTY_PROFILE);
  for (const [field, value] of lastByDetached) setFieldValue(leaving, field, value);

  const tagOwners = elementOwners<string>(relevant, 'tags', tagKey, (a, b) => a === b);
  const deviceOwners = elementOwners<PushDevice>(
    relevant,
    'pushDevices',
    deviceKey,
    (a, b) => a.updatedAt === b.updatedAt,
  );
  remaining.tags = current.tags.filter((t) => tagOwners.get(tagKey(t)) !== detached);
  leaving.tags = current.tags.filter((t) => tagOwners.get(tagKey(t)) === detached);
  remaining.pushDevices = current.pushDevices.filter((d) => deviceOwners.get(deviceKey(d)) !== detached);
  leaving.pushDevices = current.pushDevices.filter((d) => deviceOwners.get(deviceKey(d)) === detached);
  return { remaining, leaving };
}
