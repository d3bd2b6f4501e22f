import { invalid } from '../../errors.js';
import { MAX_CUSTOM_KEYS } from './customers.schemas.js';
import { MAX_PUSH_DEVICES, type ProfileState, type PushDevice } from '../profiles/index.js';

import type { Change, UpsertInput } from './upsert-input.js';

export { MAX_PUSH_DEVICES };

function applyChange<T>(current: T, change: Change<T>, cleared: T): T {
  if (change.kind === 'absent') return current;
  return change.kind === 'clear' ? cleared : change.value;
}

/** Absent keys stay, null removes, anything else replaces (arrays included). */
function mergeKeys(current: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const next = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

function applyDevice(devices: PushDevice[], change: UpsertInput['device'], now: string): PushDevice[] {
  if (change.kind === 'absent') return devices;
  if (change.kind === 'clear') return [];
  const device: PushDevice = { ...change.value, updatedAt: now };
  const others = devices.filter((d) => d.deviceToken !== device.deviceToken);
  return [device, ...others].slice(0, MAX_PUSH_DEVICES);
}

/**
 * The upsert's field rules as one pure function: partial update, explicit null clears,
 * custom merges key by key, arrays replace, a device token is kept per profile.
 */
export function applyUpsert(current: ProfileState, input: UpsertInput, now: string): ProfileState {
  const attributes =
    input.attributes === null
      ? {}
      : input.attributes === undefined
        ? current.attributes
        : mergeKeys(current.attributes, input.attributes);
  const custom =
    input.custom.kind === 'set'
      ? mergeKeys(current.custom, input.custom.value)
      : applyChange(current.custom, input.custom, {});
  if (Object.keys(custom).length > MAX_CUSTOM_KEYS) {
    throw invalid(
      'customerAttributes.custom',
      `a profile keeps at most ${MAX_CUSTOM_KEYS} custom keys; this update would leave ${Object.keys(custom).length}`,
    );
  }
  return {
    ...current,
    email: applyChange(current.email, input.email, null),
    mobile: applyChange(current.mobile, input.mobile, null),
    attributes,
    custom,
    pushDevices: applyDevice(current.pushDevices, input.device, now),
    guest: applyChange(current.guest, input.guest, false),
  };
}
