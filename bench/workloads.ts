// What the load generator sends. Shared by the load child (bench/load.ts), the store loop and
// the seeder, so seeded rows, HTTP bodies and service-layer bodies all have the same shape.

export type WorkloadKind = 'create' | 'update' | 'merge' | 'read';

export const CUSTOMERS_PATH = '/api/v4.0/integrations/customers';

/** Where a workload points and which seeded customers it may pick from. */
export interface LoadTarget {
  baseUrl: string;
  apiKey: string;
  /** Seeded customers are numbered 0..seeded-1 (see seedCustomerId / mergeSeedEmail). */
  seeded: number;
  /** Makes new customerIds unique across runs and warm-ups. */
  tag: string;
}

export interface LoadSpec {
  kind: WorkloadKind;
  target: LoadTarget;
  connections: number;
  warmupSec: number;
  durationSec: number;
}

/** Seeded customers are `<idPrefix><i>` with email `<emailPrefix><i>@bench.patron.io` (not a reserved test domain: those never merge). */
export interface SeedNaming {
  idPrefix: string;
  emailPrefix: string;
}
export const EMAIL_DOMAIN = '@bench.patron.io';
/** The default account (mergeBy none): create, update and read. */
export const SEED: SeedNaming = { idPrefix: 'seed-', emailPrefix: 'seed-' };
/** The merging account (mergeBy email): merge. */
export const MERGE_SEED: SeedNaming = { idPrefix: 'mseed-', emailPrefix: 'm-' };

export const seedCustomerId = (i: number): string => `${SEED.idPrefix}${i}`;
export const seedEmail = (i: number): string => `${SEED.emailPrefix}${i}${EMAIL_DOMAIN}`;
export const mergeSeedEmail = (i: number): string => `${MERGE_SEED.emailPrefix}${i}${EMAIL_DOMAIN}`;

const CITIES = ['Cairo', 'Alexandria', 'Giza', 'Luxor', 'Aswan', 'Port Said', 'Suez', 'Tanta'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];

/** The 8 attributes of a realistic storefront sign-up; `n` varies the values an update changes. */
export function attributesFor(n: number): Record<string, unknown> {
  return {
    displayName: 'Nour El-Sayed Abdelrahman Mahmoud',
    firstName: 'Nour',
    lastName: 'El-Sayed Abdelrahman Mahmoud',
    gender: 'female',
    dateOfBirth: '1991-04-17',
    city: CITIES[n % CITIES.length],
    country: 'Egypt',
    totalOrders: n % 97,
  };
}

/** The 5 custom keys; `tier` and `lastCampaign` vary so an update really changes the row. */
export function customFor(n: number): Record<string, unknown> {
  return {
    tier: TIERS[n % TIERS.length],
    favoriteCategory: 'home-and-kitchen/cookware/non-stick-frying-pans-and-skillets',
    newsletterOptIn: n % 2 === 0,
    storeId: `store-cairo-nasr-city-${(n % 400).toString().padStart(4, '0')}`,
    lastCampaign: `spring-sale-2026-week-${n % 13}-email-variant-b-loyalty-members-only-cohort-2026q2`,
  };
}

export interface CustomerBody {
  customerId: string;
  email: string;
  mobile: string;
  customerAttributes: Record<string, unknown>;
}

/** A ~600-byte Create/Update Customer body: 8 attributes, 5 custom keys. */
export function customerBody(customerId: string, email: string, n: number): CustomerBody {
  return {
    customerId,
    email,
    mobile: `+2010${(n % 100_000_000).toString().padStart(8, '0')}`,
    customerAttributes: { ...attributesFor(n), custom: customFor(n) },
  };
}

const randomBelow = (n: number): number => Math.floor(Math.random() * n);

export interface NextRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/**
 * A generator of the requests of one workload. Each call yields the next request; new ids come
 * from a counter, existing ones are picked at random from the seeded set.
 */
export function requestGenerator(kind: WorkloadKind, target: LoadTarget, phase: string): () => NextRequest {
  let counter = 0;
  const post = (body: CustomerBody): NextRequest => ({
    method: 'POST',
    path: CUSTOMERS_PATH,
    body: JSON.stringify(body),
  });
  switch (kind) {
    case 'create':
      return () => {
        const n = counter++;
        const id = `new-${target.tag}-${phase}-${n}`;
        return post(customerBody(id, `${id}@bench.patron.io`, n));
      };
    case 'update':
      return () => {
        const i = randomBelow(target.seeded);
        return post(customerBody(seedCustomerId(i), seedEmail(i), counter++));
      };
    case 'merge':
      return () => {
        // A new channel id carrying the email of an existing profile: joins that profile.
        const i = randomBelow(target.seeded);
        return post(customerBody(`merge-${target.tag}-${phase}-${counter++}`, mergeSeedEmail(i), i));
      };
    case 'read':
      return () => ({ method: 'GET', path: `${CUSTOMERS_PATH}/${seedCustomerId(randomBelow(target.seeded))}` });
  }
}
