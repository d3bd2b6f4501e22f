import type { ProfileState, PushDevice } from './profile.types.js';

/** The newest devices win; a profile keeps at most this many push tokens. */
export const MAX_PUSH_DEVICES = 20;

/** A profile with no value set: what a new profile starts from. */
export const EMPTY_PROFILE: ProfileState = {
  email: null,
  mobile: null,
  attributes: {},
  custom: {},
  pushDevices: [],
  guest: false,
  isActive: true,
  referralCode: null,
  isReferred: false,
  tags: [],
};

/**
 * A profile's fields by the dotted names history entries use (profile-diff.ts): email, mobile,
 * customerAttributes.<key>, customerAttributes.custom.<key>, pushDevices, guest, isActive,
 * referralCode, isReferred, tags. Anything else an entry names (customerIds) is not part of the
 * profile's state.
 */
const ATTRIBUTE = 'customerAttributes.';
const CUSTOM = 'customerAttributes.custom.';
const WHOLE = new Set(['email', 'mobile', 'pushDevices', 'guest', 'isActive', 'referralCode', 'isReferred', 'tags']);

export const isStateField = (field: string): boolean => WHOLE.has(field) || field.startsWith(ATTRIBUTE);

/** The field's value in `state`; null where it has none. */
export function fieldValue(state: ProfileState, field: string): unknown {
  let value: unknown;
  if (field.startsWith(CUSTOM)) value = state.custom[field.slice(CUSTOM.length)];
  else if (field.startsWith(ATTRIBUTE)) value = state.attributes[field.slice(ATTRIBUTE.length)];
  else if (WHOLE.has(field)) value = state[field as keyof ProfileState];
  return value === undefined ? null : value;
}

/** Sets the field in `state` (null: no value, or the default where the field has one). */
export function setFieldValue(state: ProfileState, field: string, value: unknown): void {
  const present = value !== null && value !== undefined;
  if (field.startsWith(CUSTOM) || field.startsWith(ATTRIBUTE)) {
    const [record, key] = field.startsWith(CUSTOM)
      ? [state.custom, field.slice(CUSTOM.length)]
      : [state.attributes, field.slice(ATTRIBUTE.length)];
    if (present) record[key] = value;
    else delete record[key];
    return;
  }
  switch (field) {
    case 'email':
    case 'mobile':
    case 'referralCode':
      state[field] = present ? String(value) : null;
      break;
    case 'guest':
    case 'isActive':
    case 'isReferred':
      state[field] = present ? Boolean(value) : EMPTY_PROFILE[field];
      break;
    case 'tags':
      state.tags = present ? [...(value as string[])] : [];
      break;
    case 'pushDevices':
      state.pushDevices = present ? [...(value as PushDevice[])] : [];
      break;
  }
}

/**
 * The fields that tell who a person is, by the names history entries use: a write that changes one
 * queues the profile for possible-duplicate scoring (docs/duplicates.md), which compares only these.
 */
export const IDENTITY_FIELDS: ReadonlySet<string> = new Set([
  'email',
  'mobile',
  'customerAttributes.firstName',
  'customerAttributes.lastName',
  'customerAttributes.displayName',
  'customerAttributes.dateOfBirth',
  'customerAttributes.city',
]);

/** A copy that setFieldValue may change without touching the original. */
export const copyState = (state: ProfileState): ProfileState => ({
  email: state.email,
  mobile: state.mobile,
  attributes: { ...state.attributes },
  custom: { ...state.custom },
  pushDevices: [...state.pushDevices],
  guest: state.guest,
  isActive: state.isActive,
  referralCode: state.referralCode,
  isReferred: state.isReferred,
  tags: [...state.tags],
});
