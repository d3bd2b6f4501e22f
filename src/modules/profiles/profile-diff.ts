import type { ProfileState, PushDevice } from './profile.types.js';

/** One field's change: `field` is a dotted path as the API names it (customerAttributes.city). */
export interface FieldChange {
  field: string;
  /** null: the field had no value. */
  before: unknown;
  /** null: the field has no value now. */
  after: unknown;
}

const valueOrNull = (value: unknown): unknown => (value === undefined ? null : value);
/**
 * Equality of JSON values as the store keeps them: key order aside, -0 is 0. Written here:
 * node's isDeepStrictEqual tells -0 from 0 (the store does not), and fast-deep-equal calls a
 * value's own `valueOf`, so a customer's `{"valueOf": null}` would make it throw. Bodies nest at
 * most MAX_JSON_DEPTH levels (safe-json.ts), so the recursion is bounded.
 */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => same(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) => Object.hasOwn(b, key) && same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** Own keys only: a customer's key may be named like an Object.prototype member ("constructor"). */
const own = (record: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;

function diffRecord(
  prefix: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  out: FieldChange[],
): void {
  for (const key of Object.keys(before)) {
    const a = before[key];
    const b = own(after, key);
    if (!same(a, b)) out.push({ field: prefix + key, before: valueOrNull(a), after: valueOrNull(b) });
  }
  for (const key of Object.keys(after)) {
    if (!Object.hasOwn(before, key) && after[key] !== undefined)
      out.push({ field: prefix + key, before: null, after: after[key] });
  }
}

/** A device sent again keeps its place; only when it was last seen (updatedAt) is no change. */
function sameDevices(a: readonly PushDevice[], b: readonly PushDevice[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((d, i) => {
    const e = b[i]!;
    return d.deviceToken === e.deviceToken && d.osType === e.osType && d.pushProvider === e.pushProvider;
  });
}

/**
 * The fields a write changed, named as the API names them: email, mobile, each
 * customerAttributes key, each custom key, and the rest whole. Empty when nothing a reader can
 * see changed — the one test of "did this write change the profile": no change, no write and no
 * history entry. `before` undefined: the profile is new, every field it has is a change from null.
 */
export function diffProfiles(before: ProfileState | undefined, after: ProfileState): FieldChange[] {
  const changes: FieldChange[] = [];
  const scalar = (field: string, a: unknown, b: unknown) => {
    if (!same(a, b)) changes.push({ field, before: valueOrNull(a), after: valueOrNull(b) });
  };
  scalar('email', before?.email ?? null, after.email);
  scalar('mobile', before?.mobile ?? null, after.mobile);
  diffRecord('customerAttributes.', before?.attributes ?? {}, after.attributes, changes);
  diffRecord('customerAttributes.custom.', before?.custom ?? {}, after.custom, changes);
  if (before === undefined ? after.pushDevices.length > 0 : !sameDevices(before.pushDevices, after.pushDevices)) {
    changes.push({ field: 'pushDevices', before: before?.pushDevices ?? null, after: after.pushDevices });
  }
  // A new profile's defaults (not a guest, active, not referred) are not news: only what differs.
  scalar('guest', before ? before.guest : false, after.guest);
  scalar('isActive', before ? before.isActive : true, after.isActive);
  scalar('referralCode', before?.referralCode ?? null, after.referralCode);
  scalar('isReferred', before ? before.isReferred : false, after.isReferred);
  if (before === undefined ? after.tags.length > 0 : !same(before.tags, after.tags)) {
    changes.push({ field: 'tags', before: before?.tags ?? null, after: after.tags });
  }
  return changes;
}
