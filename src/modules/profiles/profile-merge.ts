import type { ProfileState, PushDevice } from './profile.types.js';

import { MAX_PUSH_DEVICES } from './profile-fields.js';

const mergeRecords = (survivor: Record<string, unknown>, other: Record<string, unknown>): Record<string, unknown> => ({
  ...other,
  ...survivor,
});

/**
 * The state of an explicit merge (docs/identity.md "Explicit merge"): the survivor's values win;
 * fields it lacks are taken from the other, attributes and custom key by key likewise; tags
 * (case-insensitively) and devices (by token) are united, the survivor's first; referred if
 * either was. The referral code and the activation are the survivor's.
 */
export function mergeProfileStates(survivor: ProfileState, other: ProfileState): ProfileState {
  const tags = [...survivor.tags];
  for (const tag of other.tags) if (!tags.some((t) => t.toLowerCase() === tag.toLowerCase())) tags.push(tag);
  const devices: PushDevice[] = [...survivor.pushDevices];
  for (const device of other.pushDevices)
    if (!devices.some((d) => d.deviceToken === device.deviceToken)) devices.push(device);
  return {
    email: survivor.email ?? other.email,
    mobile: survivor.mobile ?? other.mobile,
    attributes: mergeRecords(survivor.attributes, other.attributes),
    custom: mergeRecords(survivor.custom, other.custom),
    pushDevices: devices.slice(0, MAX_PUSH_DEVICES),
    guest: survivor.guest,
    isActive: survivor.isActive,
    referralCode: survivor.referralCode,
    isReferred: survivor.isReferred || other.isReferred,
    tags,
  };
}
