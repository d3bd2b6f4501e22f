// The tags module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { attachTags, MAX_TAG_LENGTH, MAX_TAGS_PER_PROFILE, parseTags, removeTags } from './tags.service.js';
