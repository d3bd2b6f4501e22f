import { doubleMetaphone } from 'double-metaphone';

/**
 * A profile as duplicate scoring reads it: the identity fields, normalised once
 * (docs/duplicates.md "How pairs are found and scored").
 */
export interface Person {
  gameballId: number;
  /** Lower-cased, the local part without dots or a +tag (how most mail providers deliver it). */
  email: string | null;
  emailLocal: string | null;
  /** The local part is only the person's names (mariam.elsayed@…): a namesake's may be the same. */
  emailLocalIsName: boolean;
  /** The last 9 digits: the same for +20 101 234 5678 and 0101 234 5678. */
  mobile: string | null;
  first: Name | null;
  last: Name | null;
  dateOfBirth: string | null;
  city: string | null;
}

export interface Name {
  /** Letters only, lower case, accents and spaces and hyphens gone: "El-Sayed" → "elsayed". */
  plain: string;
  /** Double Metaphone's primary code: Mohamed, Mohammed and Muhammad are all MHMT. */
  phonetic: string;
}

/** The fields a profile is scored on, as the store holds them. */
export interface ProfileFields {
  gameballId: number;
  email: string | null;
  mobile: string | null;
  attributes: Record<string, unknown>;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

export function plainName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');
}

function name(value: unknown): Name | null {
  const raw = text(value);
  const plain = raw && plainName(raw);
  return plain ? { plain, phonetic: doubleMetaphone(plain)[0] || plain } : null;
}

function splitEmail(value: string | null): { email: string | null; local: string | null } {
  if (!value) return { email: null, local: null };
  const lower = value.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return { email: lower, local: null };
  const local = lower.slice(0, at).split('+')[0]!.replaceAll('.', '');
  return { email: `${local}@${lower.slice(at + 1)}`, local: local || null };
}

function lastDigits(value: string | null): string | null {
  const digits = value?.replace(/\D/g, '') ?? '';
  return digits.length >= 7 ? digits.slice(-9) : null;
}

/** Whether an email's local part is the names and nothing else: first last, last first, initial last (digits aside). */
function madeOfNames(local: string, first: Name | null, last: Name | null): boolean {
  const letters = plainName(local);
  if (!first || !last || letters === '') return false;
  const f = first.plain;
  const l = last.plain;
  return [f + l, l + f, f[0]! + l, f + l[0]!, f, l].includes(letters);
}

export function toPerson(profile: ProfileFields): Person {
  const { attributes } = profile;
  const { email, local } = splitEmail(profile.email);
  let first = name(attributes.firstName);
  let last = name(attributes.lastName);
  // A display name stands in for missing parts: "Ann Smith" → Ann, Smith.
  const display = text(attributes.displayName)?.trim().split(/\s+/);
  if (display && !first) first = name(display[0]);
  if (display && display.length > 1 && !last) last = name(display.slice(1).join(''));
  const city = text(attributes.city);
  return {
    gameballId: profile.gameballId,
    email,
    emailLocal: local,
    emailLocalIsName: local !== null && madeOfNames(local, first, last),
    mobile: lastDigits(profile.mobile),
    first,
    last,
    dateOfBirth: text(attributes.dateOfBirth)?.slice(0, 10) ?? null,
    city: city && plainName(city),
  };
}

/**
 * Blocking keys: profiles sharing one are compared. Each is narrow enough that a block stays small
 * in a large account (the lookup also takes only the newest few of a key): the email's local part,
 * the mobile's last 8 digits, the two names' phonetic codes in either order (a swap finds its
 * twin), and the last name's code with the date of birth (a nickname with the same birthday).
 */
export function blockingKeys(person: Person): string[] {
  const keys: string[] = [];
  if (person.emailLocal && person.emailLocal.length >= 3) keys.push(`e:${person.emailLocal}`);
  if (person.mobile) keys.push(`m:${person.mobile.slice(-8)}`);
  const { first, last } = person;
  if (first && last) keys.push(`n:${[first.phonetic, last.phonetic].sort().join('|')}`);
  if (last && person.dateOfBirth) keys.push(`d:${last.phonetic}|${person.dateOfBirth}`);
  if (first && person.dateOfBirth) keys.push(`b:${first.phonetic}|${person.dateOfBirth}`);
  return keys;
}
