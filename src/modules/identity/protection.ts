import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import type { AccountRecord } from '../accounts/index.js';
import { emailKey, mobileKey, type MergeKind } from './merge-keys.js';

/**
 * Merge protection (docs/identity.md "Merge protection"): values that are stored on a profile but
 * never used as a merge key, because they are shared by strangers (a till's `noemail@shop.io`, a
 * store's own phone), and the cap on how many customerIds an implicit merge may gather.
 */

/** Which rule kept a value from being a merge key. */
export type BlockRule = 'reserved-domain' | 'placeholder' | 'repeated-digits' | 'consecutive-digits' | 'account-list';

/** A protection applied to one identifier of a write, as its history entry records it. */
export interface Protection {
  /** The request field, e.g. `email` or `customerAttributes.mobile`. */
  identifier: string;
  kind: MergeKind;
  /** The value as merging compares it (lower-cased email, E.164 mobile). */
  value: string;
  rule: 'blocked-value' | 'cap';
  /** For a blocked value: which rule (and, for the account's list, which entry). */
  blockedBy?: { rule: BlockRule; entry?: string };
  /** The profile the identifier would have joined; null when none held it. */
  wouldJoin: number | null;
}

/** Domains reserved for examples and tests (RFC 2606, RFC 6761), with their subdomains. */
const RESERVED_DOMAINS = ['example.com', 'example.net', 'example.org'];
const RESERVED_TLDS = ['example', 'test', 'invalid', 'localhost'];
/** Local parts a person types when the customer has no email. */
const PLACEHOLDER_LOCAL_PARTS = new Set([
  'test',
  'noemail',
  'no-email',
  'none',
  'null',
  'na',
  'unknown',
  'noreply',
  'no-reply',
]);

const isUnder = (domain: string, parent: string): boolean => domain === parent || domain.endsWith(`.${parent}`);

function builtInEmailRule(key: string): BlockRule | undefined {
  const at = key.lastIndexOf('@');
  const local = key.slice(0, at);
  const domain = key.slice(at + 1);
  if (RESERVED_DOMAINS.some((d) => isUnder(domain, d)) || RESERVED_TLDS.some((tld) => isUnder(domain, tld)))
    return 'reserved-domain';
  if (PLACEHOLDER_LOCAL_PARTS.has(local)) return 'placeholder';
  return undefined;
}

/**
 * Every country calling code. They form a prefix code (no code begins another), so an E.164 number's
 * code is the one of its first 1–3 digits that is in the set — found without parsing the number
 * again (parsing costs more than the rest of a create on the embedded store).
 */
const CALLING_CODES = new Set(getCountries().map((country) => String(getCountryCallingCode(country))));

/** The national number of a mobile merge key (E.164). */
function nationalNumber(key: string): string {
  for (let length = 1; length <= 3; length++)
    if (CALLING_CODES.has(key.slice(1, 1 + length))) return key.slice(1 + length);
  return key.slice(1);
}

/** One digit repeated, or each digit one more (or one less) than the one before, wrapping 9 → 0. */
function builtInMobileRule(key: string): BlockRule | undefined {
  const national = nationalNumber(key);
  if (/^(\d)\1+$/.test(national)) return 'repeated-digits';
  const digits = [...national].map(Number);
  const steps = digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10);
  if (steps.length > 0 && (steps.every((s) => s === 1) || steps.every((s) => s === 9))) return 'consecutive-digits';
  return undefined;
}

/** An account's own list, read once per list: exact values normalised as merging compares them, and regexes. */
interface AccountBlocks {
  exact: Map<string, string>;
  patterns: Array<{ entry: string; regex: RegExp }>;
}

/** `/pattern/` or `/pattern/i`: a regular expression entry (accounts' settings check them). */
export const REGEX_ENTRY = /^\/(.+)\/(i?)$/s;

const compiled = new WeakMap<readonly string[], Map<string | null, AccountBlocks>>();

function accountBlocks(account: Pick<AccountRecord, 'mergeBlocks' | 'defaultCountry'>): AccountBlocks {
  let byCountry = compiled.get(account.mergeBlocks);
  if (!byCountry) compiled.set(account.mergeBlocks, (byCountry = new Map()));
  let blocks = byCountry.get(account.defaultCountry);
  if (blocks) return blocks;
  blocks = { exact: new Map(), patterns: [] };
  for (const entry of account.mergeBlocks) {
    const regex = REGEX_ENTRY.exec(entry);
    if (regex) {
      blocks.patterns.push({ entry, regex: new RegExp(regex[1]!, regex[2]) });
      continue;
    }
    const key = entry.includes('@') ? emailKey(entry) : mobileKey(entry, account.defaultCountry);
    if (key !== undefined) blocks.exact.set(key, entry);
  }
  byCountry.set(account.defaultCountry, blocks);
  return blocks;
}

/** The rule that keeps a normalised identifier from being a merge key on this account, if any. */
export function blockedBy(
  account: Pick<AccountRecord, 'mergeBlocks' | 'defaultCountry' | 'defaultMergeBlocks'>,
  kind: MergeKind,
  key: string,
): { rule: BlockRule; entry?: string } | undefined {
  if (account.defaultMergeBlocks) {
    const rule = kind === 'email' ? builtInEmailRule(key) : builtInMobileRule(key);
    if (rule) return { rule };
  }
  if (account.mergeBlocks.length === 0) return undefined;
  const blocks = accountBlocks(account);
  const exact = blocks.exact.get(key);
  if (exact !== undefined) return { rule: 'account-list', entry: exact };
  const pattern = blocks.patterns.find(({ regex }) => regex.test(key));
  return pattern && { rule: 'account-list', entry: pattern.entry };
}
