import { isDeepStrictEqual } from 'node:util';
import type { ProfileState } from '../customers/customers.types.js';
import type { FieldChange } from './history.types.js';

const valueOrNull = (value: unknown): unknown => (value === undefined ? null : value);
/** Most values are strings and numbers: compare those directly, objects deeply. */
const same = (a: unknown, b: unknown): boolean => a === b || (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && isDeepStrictEqual(a, b));

function diffRecord(prefix: string, before: Record<string, unknown>, after: Record<string, unknown>, out: FieldChange[]): void {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!same(before[key], after[key])) out.push({ field: `${prefix}.${key}`, before: valueOrNull(before[key]), after: valueOrNull(after[key]) });
  }
}

/**
 * The fields a write changed, named as the API names them: email, mobile, each
 * customerAttributes key, each custom key, and the rest whole. Empty when nothing changed.
 * `before` undefined: the profile is new, every field it has is a change from null.
 */
export function diffProfiles(before: ProfileState | undefined, after: ProfileState): FieldChange[] {
  const changes: FieldChange[] = [];
  const scalar = (field: string, a: unknown, b: unknown) => {
    if (!same(a, b)) changes.push({ field, before: valueOrNull(a), after: valueOrNull(b) });
  };
  scalar('email', before?.email ?? null, after.email);
  scalar('mobile', before?.mobile ?? null, after.mobile);
  diffRecord('customerAttributes', before?.attributes ?? {}, after.attributes, changes);
  diffRecord('customerAttributes.custom', before?.custom ?? {}, after.custom, changes);
  if (before === undefined || !same(before.pushDevices, after.pushDevices)) {
    if (before !== undefined || after.pushDevices.length > 0) changes.push({ field: 'pushDevices', before: before?.pushDevices ?? null, after: after.pushDevices });
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
