import type { Store } from '../../db/connect.js';
import { invalid } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { changeProfile } from '../customers/index.js';

export const MAX_TAG_LENGTH = 50;
export const MAX_TAGS_PER_PROFILE = 100;

/** "gamer, highSpender" → ["gamer", "highSpender"]: trimmed, case kept, empty parts dropped. */
export function parseTags(list: string, field = 'tags'): string[] {
  const tags = list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tags.length === 0) throw invalid(field, 'must name at least one tag, e.g. "vip, newsletter"');
  const tooLong = tags.find((t) => t.length > MAX_TAG_LENGTH);
  if (tooLong) throw invalid(field, `tag "${tooLong.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters`);
  return tags;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Attaches tags; one already there (in any case) is left as it is. */
export async function attachTags(
  store: Store,
  account: AccountRecord,
  customerId: string,
  tags: string[],
  requestId?: string,
): Promise<number> {
  const { before, after } = await changeProfile(
    store,
    account,
    customerId,
    { operation: 'tags', requestId },
    (profile) => {
      const next = [...profile.tags];
      for (const tag of tags) if (!next.some((t) => same(t, tag))) next.push(tag);
      if (next.length > MAX_TAGS_PER_PROFILE) {
        throw invalid('tags', `a customer holds at most ${MAX_TAGS_PER_PROFILE} tags; this would make ${next.length}`);
      }
      return { ...profile, tags: next };
    },
  );
  return after.tags.length - before.tags.length;
}

/** Removes tags compared case-insensitively; a tag that is not there is ignored. */
export async function removeTags(
  store: Store,
  account: AccountRecord,
  customerId: string,
  tags: string[],
  requestId?: string,
): Promise<number> {
  const { before, after } = await changeProfile(
    store,
    account,
    customerId,
    { operation: 'tags', requestId },
    (profile) => ({
      ...profile,
      tags: profile.tags.filter((t) => !tags.some((r) => same(r, t))),
    }),
  );
  return before.tags.length - after.tags.length;
}
