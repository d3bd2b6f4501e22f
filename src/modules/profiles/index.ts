// The profiles module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { diffProfiles, type FieldChange } from './profile-diff.js';
export {
  copyState,
  EMPTY_PROFILE,
  fieldValue,
  IDENTITY_FIELDS,
  isStateField,
  MAX_PUSH_DEVICES,
  setFieldValue,
} from './profile-fields.js';
export { type Profile, type ProfileState, type PushDevice } from './profile.types.js';
export { mergeProfileStates } from './profile-merge.js';
