import { sql } from 'kysely';
import type { Store } from '../db/connect.js';
import type { AccountRecord } from '../modules/accounts/index.js';
import { mergeKinds, mobileKey } from '../modules/identity/index.js';
import type { SearchHit } from './console.views.js';

const MAX_HITS = 20;

/** The string just past every string that starts with `prefix` (its last character one higher). */
const successor = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * Finds an account's customers by what a support agent has at hand, every lookup by an index:
 * customerId (exact or its beginning: a range of the customer_ids primary key), gameballId
 * (primary key), referral code (unique index), email by its beginning (profiles_email_search),
 * mobile as stored (profiles_mobile_search) or normalised (the merge key). Others' profiles are
 * never read.
 */
export async function searchCustomers(store: Store, account: AccountRecord, raw: string): Promise<SearchHit[]> {
  const term = raw.trim();
  if (term === '') return [];
  const db = store.db;
  const profileColumns = ['p.gameball_id', 'p.email', 'p.mobile', 'p.attributes'] as const;
  // A profile found otherwise is named by its first customerId, as referral listings name it.
  const firstCustomerId = sql<
    string | null
  >`(select f.customer_id from customer_ids f where f.gameball_id = p.gameball_id order by f.created_at, f.customer_id limit 1)`.as(
    'customer_id',
  );
  const hits = new Map<string, SearchHit>();
  const add = (
    rows: Array<{
      gameball_id: number;
      customer_id: string | null;
      email: string | null;
      mobile: string | null;
      attributes: unknown;
    }>,
  ) => {
    for (const row of rows) {
      if (row.customer_id === null || hits.size >= MAX_HITS) continue;
      const attributes = (typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes) as {
        displayName?: unknown;
      } | null;
      hits.set(row.customer_id, {
        gameballId: Number(row.gameball_id),
        customerId: row.customer_id,
        email: row.email,
        mobile: row.mobile,
        displayName: typeof attributes?.displayName === 'string' ? attributes.displayName : null,
      });
    }
  };

  const byCustomerId = await db
    .selectFrom('customer_ids as c')
    .innerJoin('profiles as p', 'p.gameball_id', 'c.gameball_id')
    .select(['c.customer_id', ...profileColumns])
    .where('c.account_id', '=', account.id)
    .where('c.customer_id', '>=', term)
    .where('c.customer_id', '<', successor(term))
    .orderBy('c.customer_id')
    .limit(MAX_HITS)
    .execute();
  // The collation may order a few other strings inside the range: only true prefixes count.
  add(byCustomerId.filter((r) => r.customer_id.startsWith(term)));

  const byProfile = db
    .selectFrom('profiles as p')
    .select([firstCustomerId, ...profileColumns])
    .where('p.account_id', '=', account.id);
  if (/^\d{1,15}$/.test(term)) add(await byProfile.where('p.gameball_id', '=', Number(term)).execute());
  add(await byProfile.where('p.referral_code', '=', term.toUpperCase()).execute());
  // Email by its beginning, case-insensitively (index on lower(email)); mobile as stored, and by
  // its normalised merge key where the account merges on mobiles.
  const lower = term.toLowerCase();
  const byEmail = await byProfile
    .where(sql`lower(p.email)`, '>=', lower)
    .where(sql`lower(p.email)`, '<', successor(lower))
    .orderBy(sql`lower(p.email)`)
    .limit(MAX_HITS)
    .execute();
  add(byEmail.filter((r) => r.email?.toLowerCase().startsWith(lower)));
  add(await byProfile.where('p.mobile', '=', term).limit(MAX_HITS).execute());
  const mobile = mergeKinds(account.mergeBy).includes('mobile') ? mobileKey(term, account.defaultCountry) : undefined;
  if (mobile) add(await byProfile.where('p.mobile_key', '=', mobile).execute());
  return [...hits.values()];
}
