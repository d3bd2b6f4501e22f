import { sql } from 'kysely';
import type { Store } from '../../db/connect.js';
import type { AccountRecord } from '../accounts/index.js';
import { mergeKinds, mobileKey } from '../identity/index.js';
import { firstCustomerIdColumn } from './customer-reads.store.js';

/** Matches shown on one page. */
export const PAGE_SIZE = 20;
/**
 * Matches counted at most: past it the count reads "1000+" and no page starts beyond it, so a
 * request reads at most this many rows (and one) from each lookup, however common the term.
 */
export const COUNT_CAP = 1000;

export interface SearchHit {
  gameballId: number;
  customerId: string;
  email: string | null;
  mobile: string | null;
  /** displayName, else first and last name. */
  name: string | null;
}

export interface SearchResults {
  /** This page's matches, at most PAGE_SIZE. */
  hits: SearchHit[];
  /** The place of the first of `hits` among all the matches (0 for the first). */
  offset: number;
  /** Matches counted, at most COUNT_CAP. */
  total: number;
  /** More customers match than `total`: the count stopped at COUNT_CAP (or a lookup at its limit). */
  capped: boolean;
}

/** The string just past every string that starts with `prefix` (its last character one higher). */
const successor = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/** The name a person goes by: displayName, else first and last name (whichever are set). */
export function nameOf(attributes: unknown): string | null {
  const a = (attributes ?? {}) as { displayName?: unknown; firstName?: unknown; lastName?: unknown };
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const display = text(a.displayName);
  if (display) return display;
  const parts = [text(a.firstName), text(a.lastName)].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : null;
}

type KeyRow = { customer_id: string | null; gameball_id: number | string };

/**
 * Finds an account's customers by what a support agent has at hand, every lookup by an index:
 * customerId (exact or its beginning: a range of the customer_ids primary key), gameballId
 * (primary key), referral code (unique index), email by its beginning (profiles_email_search),
 * mobile as stored (profiles_mobile_search) or normalised (the merge key). Others' profiles are
 * never read.
 *
 * Exact matches come first — the customerId, gameballId or referral code itself, the email itself
 * or its whole part before the @ (any case), the mobile as stored or normalised — then the
 * customerIds and emails that only begin with the term. The matches are listed once each (by
 * customerId) up to COUNT_CAP and counted; the page from `offset` is read in full.
 */
export async function searchCustomers(
  store: Store,
  account: AccountRecord,
  raw: string,
  offset = 0,
): Promise<SearchResults> {
  const term = raw.trim();
  if (term === '') return { hits: [], offset: 0, total: 0, capped: false };
  const db = store.db;
  const limit = COUNT_CAP + 1;
  // A profile found otherwise is named by its first customerId, as every listing names it.
  const firstCustomerId = firstCustomerIdColumn().as('customer_id');
  /** Each match's gameballId by its customerId, in the order listed. */
  const matches = new Map<string, number>();
  // A lookup that filled its limit may have more: the count is then a lower bound.
  let truncated = false;
  const add = (rows: KeyRow[], read = rows.length) => {
    if (read >= limit) truncated = true;
    for (const row of rows)
      if (row.customer_id !== null && !matches.has(row.customer_id))
        matches.set(row.customer_id, Number(row.gameball_id));
  };
  const full = () => matches.size > COUNT_CAP;

  const byProfile = db
    .selectFrom('profiles as p')
    .select([firstCustomerId, 'p.gameball_id', 'p.email'])
    .where('p.account_id', '=', account.id);
  const customerIds = db
    .selectFrom('customer_ids as c')
    .select(['c.customer_id', 'c.gameball_id'])
    .where('c.account_id', '=', account.id);
  const lower = term.toLowerCase();

  // Exact matches.
  add(await customerIds.where('c.customer_id', '=', term).execute());
  if (/^\d{1,15}$/.test(term)) add(await byProfile.where('p.gameball_id', '=', Number(term)).execute());
  add(await byProfile.where('p.referral_code', '=', term.toUpperCase()).execute());
  // The email itself, or every email whose part before the @ is the term (a range of the index).
  const local = lower.includes('@') ? undefined : `${lower}@`;
  const exactEmails = await (
    local
      ? byProfile.where(sql`lower(p.email)`, '>=', local).where(sql`lower(p.email)`, '<', successor(local))
      : byProfile.where(sql`lower(p.email)`, '=', lower)
  )
    .orderBy(sql`lower(p.email)`)
    .limit(limit)
    .execute();
  // Only what JavaScript's lowercase agrees with counts: SQLite's lower() changes ASCII letters alone.
  const isExact = (email: string) => (local ? email.startsWith(local) : email === lower);
  add(
    exactEmails.filter((r) => r.email !== null && isExact(r.email.toLowerCase())),
    exactEmails.length,
  );
  add(await byProfile.where('p.mobile', '=', term).limit(limit).execute());
  const mobile = mergeKinds(account.mergeBy).includes('mobile') ? mobileKey(term, account.defaultCountry) : undefined;
  if (mobile) add(await byProfile.where('p.mobile_key', '=', mobile).execute());

  // Then what begins with the term: customerIds, then emails (any case, index on lower(email)).
  if (!full()) {
    const byCustomerId = await customerIds
      .where('c.customer_id', '>=', term)
      .where('c.customer_id', '<', successor(term))
      .orderBy('c.customer_id')
      .limit(limit)
      .execute();
    // The collation may order a few other strings inside the range: only true prefixes count.
    add(
      byCustomerId.filter((r) => r.customer_id.startsWith(term)),
      byCustomerId.length,
    );
  }
  if (!full()) {
    const byEmail = await byProfile
      .where(sql`lower(p.email)`, '>=', lower)
      .where(sql`lower(p.email)`, '<', successor(lower))
      .orderBy(sql`lower(p.email)`)
      .limit(limit)
      .execute();
    add(
      byEmail.filter((r) => r.email?.toLowerCase().startsWith(lower)),
      byEmail.length,
    );
  }

  const total = Math.min(matches.size, COUNT_CAP);
  const lastPage = total === 0 ? 0 : Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE;
  const from = Math.min(Math.max(0, Math.floor(offset)), lastPage);
  const page = [...matches].slice(from, Math.min(from + PAGE_SIZE, total));
  const profiles =
    page.length === 0
      ? []
      : await db
          .selectFrom('profiles as p')
          .select(['p.gameball_id', 'p.email', 'p.mobile', 'p.attributes'])
          .where('p.account_id', '=', account.id)
          .where(
            'p.gameball_id',
            'in',
            page.map(([, gameballId]) => gameballId),
          )
          .execute();
  const byGameballId = new Map(profiles.map((p) => [Number(p.gameball_id), p]));
  const hits = page.flatMap(([customerId, gameballId]) => {
    const profile = byGameballId.get(gameballId);
    if (!profile) return []; // deleted since its key was read
    const attributes: unknown =
      typeof profile.attributes === 'string' ? JSON.parse(profile.attributes) : profile.attributes;
    return [{ gameballId, customerId, email: profile.email, mobile: profile.mobile, name: nameOf(attributes) }];
  });
  return { hits, offset: from, total, capped: matches.size > COUNT_CAP || truncated };
}
