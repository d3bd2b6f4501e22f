import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { MergeBy } from '../accounts/index.js';

export type MergeKind = 'email' | 'mobile';

/** The identifiers an account merges by, highest priority first; empty when it does not merge. */
export function mergeKinds(mergeBy: MergeBy): MergeKind[] {
  return mergeBy === 'none' ? [] : (mergeBy.split(',') as MergeKind[]);
}

// Deliberately loose: one @, no spaces, a dot in the domain. Mailbox rules beyond that vary
// by provider, and refusing a real customer's address is worse than accepting an odd one.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared trimmed and lower-cased; undefined when the value is not an email. */
export function emailKey(raw: string): string | undefined {
  const key = raw.trim().toLowerCase();
  return EMAIL_SHAPE.test(key) && key.length <= 254 ? key : undefined;
}

/**
 * Mobiles are compared in E.164 form. A number without a country prefix is read in the
 * account's default country; undefined when it cannot be read as a possible number.
 */
export function mobileKey(raw: string, defaultCountry: string | null): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), (defaultCountry ?? undefined) as CountryCode | undefined);
  return parsed && parsed.isPossible() ? parsed.number : undefined;
}

/** A stored email or mobile as merging compares it, on this account; undefined when absent or unreadable. */
export function identifierKey(
  account: { defaultCountry: string | null },
  kind: MergeKind,
  value: string | null,
): string | undefined {
  if (value === null) return undefined;
  return kind === 'email' ? emailKey(value) : mobileKey(value, account.defaultCountry);
}
