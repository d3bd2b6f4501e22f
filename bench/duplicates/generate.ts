// A labelled data set of customer records for measuring duplicate detection (precision and recall): people of an
// Egyptian/Gulf/international merchant, some with a second (rarely a third) record corrupted the way people
// re-register (typos, nicknames, transliterations, another email, a phone written another way), and some with a
// relative or a namesake: alike, but different people. Everything follows from the seed.
// `tsx bench/duplicates/generate.ts --seed 1 --people 1000` prints the set's counts (summarize).
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as names from './names.js';
import { ascii, canonicalEmail, CITIES, firstNames, kindsOf, lastNames, MOBILE_PLANS, NICKNAMES } from './names.js';
import { isCommonName, spellingsOf, typo, type CorruptionKind, type CountryCode, type Origin } from './names.js';

export type { CorruptionKind } from './names.js';

export interface GeneratedRecord {
  customerId: string;
  personId: number;
  email?: string;
  mobile?: string;
  customerAttributes: {
    firstName?: string;
    lastName?: string;
    dateOfBirth?: string; // YYYY-MM-DD
    city?: string;
    country?: string;
  };
}

export interface DataSet {
  records: GeneratedRecord[];
  /** Every pair of customerIds of one person (a person with three records gives three pairs). */
  duplicatePairs: Array<[string, string]>;
  /** A person's and their relative's or namesake's first records: alike, but different people. */
  hardNegativePairs: Array<[string, string]>;
}

export interface GenerateOptions {
  seed: number;
  /** Distinct people in the set, relatives and namesakes included. */
  people: number;
  /** Share of the people with a second record (3% of those get a third too). Default 0.3. */
  duplicateShare?: number;
  /** Share of the people who are another one's relative or namesake. Default 0.15. */
  hardNegativeShare?: number;
}

export interface GenerationDetails {
  data: DataSet;
  /** The corruptions of each extra record, by customerId (a person's first record has none). */
  corruptions: Map<string, CorruptionKind[]>;
  /** Why each hard negative pair is one, by pairKey. */
  hardNegativeKinds: Map<string, 'relative' | 'namesake'>;
  /** Duplicate pairs (pairKeys) that share neither an email (up to case, dots, +tag) nor a mobile (up to format). */
  weakDuplicatePairs: string[];
}

export const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** pairKeys of every pair of customerIds that belong to one person. */
export function labelledPairs(data: DataSet): Set<string> {
  const byPerson = new Map<number, string[]>();
  for (const r of data.records) byPerson.set(r.personId, [...(byPerson.get(r.personId) ?? []), r.customerId]);
  return new Set([...byPerson.values()].flatMap((ids) => pairsOf(ids).map(([a, b]) => pairKey(a, b))));
}

const pairsOf = <T>(xs: T[]) => xs.flatMap((a, i) => xs.slice(i + 1).map((b): [T, T] => [a, b]));

/** mulberry32: a small 32-bit PRNG, plenty for test data. */
class Rng {
  constructor(private state: number) {}
  float(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), this.state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int = (n: number): number => Math.floor(this.float() * n);
  chance = (p: number): boolean => this.float() < p;
  pick = <T>(items: readonly T[]): T => items[this.int(items.length)]!;
  digits = (n: number): string => Array.from({ length: n }, () => this.int(10)).join('');
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    let r = this.float() * choices.reduce((sum, [, w]) => sum + w, 0);
    return (choices.find(([, w]) => (r -= w) < 0) ?? choices[choices.length - 1]!)[0];
  }
  /** Zipf-like: rank r (from 1) weighs 1/r^s, so the first items of a list repeat a lot. */
  zipf = <T>(items: readonly T[], s = 1): T => this.weighted(items.map((item, i) => [item, 1 / (i + 1) ** s] as const));
  shuffled = <T>(items: readonly T[]): T[] => {
    const keyed = items.map((item) => [this.float(), item] as const);
    return keyed.sort(([a], [b]) => a - b).map(([, item]) => item);
  };
}

const REFERENCE_YEAR = 2026; // ages count from here, not from today: a seed gives one set forever

interface Person {
  id: number;
  origin: Origin;
  male: boolean;
  first: string;
  last: string;
  country: CountryCode;
  city: string;
  dob: string;
  email: string;
  /** The mobile's national significant number (no country code, no leading 0), in the person's country. */
  nsn: string;
}
type Traits = Partial<Person> & { emailDomain?: string };
type Keep = Partial<Record<'city' | 'email' | 'mobile', boolean>>;

export function generateDetailed(options: GenerateOptions): GenerationDetails {
  const { seed, people, duplicateShare = 0.3, hardNegativeShare = 0.15 } = options;
  const integers = Number.isInteger(seed) && Number.isInteger(people) && people >= 1;
  if (!integers) throw new RangeError(`seed is an integer, people a positive one: ${seed}, ${people}`);
  if (![duplicateShare, hardNegativeShare].every((s) => s >= 0 && s <= 1)) throw new RangeError('shares are 0 to 1');
  const rng = new Rng(seed >>> 0);
  const emailOwners = new Map<string, number>(); // canonical email → personId: no two people share one by chance
  const mobileOwners = new Set<string>(); // E.164
  const persons: Person[] = [];
  const recordsOf = new Map<number, GeneratedRecord[]>();
  const corruptions = new Map<string, CorruptionKind[]>();
  const code = (p: Person) => MOBILE_PLANS[p.country].code;

  const claimEmail = (owner: number, local: string, domain: string): string => {
    while ((emailOwners.get(canonicalEmail(`${local}@${domain}`)) ?? owner) !== owner) local += rng.digits(1);
    emailOwners.set(canonicalEmail(`${local}@${domain}`), owner);
    return `${local}@${domain}`;
  };
  const newEmail = (id: number, first: string, last: string, dob: string, domain?: string): string => {
    const [f, l, yy] = [ascii(first), ascii(last), rng.chance(0.5) ? dob.slice(2, 4) : rng.digits(2)];
    const nick = NICKNAMES[first]
      ? ascii(rng.pick(NICKNAMES[first]))
      : rng.pick([`${f}_${rng.pick(names.EMAIL_WORDS)}`, rng.pick(names.EMAIL_WORDS) + f]);
    const patterns = [`${f}.${l}`, `${f}${l}${yy}`, `${f[0]}.${l}`, `${f}_${l}`, `${f}.${l}${yy}`, `${nick}${yy}`];
    const local = rng.weighted([...patterns, f + dob.slice(0, 4)].map((p, i) => [p, [30, 20, 10, 8, 10, 12, 10][i]!]));
    domain ??= rng.chance(0.08) ? rng.pick(names.COMPANY_DOMAINS) : rng.zipf(names.FREE_DOMAINS, 1.2);
    return claimEmail(id, local, domain);
  };
  /** A work address, at another domain than `domain` (the one the record had). */
  const workEmail = (p: Person, domain: string) => {
    const local = rng.chance(0.6) ? `${ascii(p.first)}.${ascii(p.last)}` : ascii(p.first)[0] + ascii(p.last);
    return claimEmail(p.id, local, rng.pick(names.COMPANY_DOMAINS.filter((d) => d !== domain)));
  };
  const newMobile = (country: CountryCode): string => {
    const plan = MOBILE_PLANS[country];
    const nsn = rng.zipf(plan.prefixes, 0.7) + rng.digits(plan.rest);
    if (mobileOwners.has(`+${plan.code}${nsn}`)) return newMobile(country);
    mobileOwners.add(`+${plan.code}${nsn}`);
    return nsn;
  };
  const birthDate = (year = REFERENCE_YEAR - 18 - Math.floor(rng.float() ** 1.6 * 55)) =>
    new Date(Date.UTC(year, 0, 1 + rng.int(365))).toISOString().slice(0, 10);

  /** A new person and their first record; `like` fixes some traits, `keep` fields the record always has. */
  const addPerson = (like: Traits = {}, keep: Keep = {}): Person => {
    const id = persons.length + 1;
    const origin = like.origin ?? (rng.chance(0.75) ? 'arabic' : 'english');
    const male = like.male ?? rng.chance(0.5);
    const first = like.first ?? rng.zipf(firstNames(origin, male));
    const [country, dob] = [like.country ?? rng.weighted(names.ORIGIN_COUNTRIES[origin]), like.dob ?? birthDate()];
    const last = like.last ?? rng.zipf(lastNames(origin, country), 0.9);
    const p: Person = {
      ...{ id, origin, male, first, last, country, dob },
      city: like.city ?? rng.zipf(CITIES[country], 1.1),
      email: like.email ?? newEmail(id, first, last, dob, like.emailDomain),
      nsn: like.nsn ?? newMobile(country),
    };
    persons.push(p);
    const has = (field: keyof Keep, missing: number) => keep[field] === true || !rng.chance(missing);
    const attributes = { firstName: first, lastName: last, ...(rng.chance(0.4) ? {} : { dateOfBirth: dob }) };
    const record: GeneratedRecord = {
      ...{ customerId: `p${id}-r0`, personId: id },
      ...(has('email', 0.1) ? { email: p.email } : {}),
      ...(has('mobile', 0.1) ? { mobile: `+${code(p)}${p.nsn}` } : {}),
      customerAttributes: { ...attributes, ...(has('city', 0.2) ? { city: p.city } : {}), country },
    };
    recordsOf.set(id, [record]);
    return p;
  };

  /** The mobile with spaces or dashes ("+20 101 234 5678", "0101-234-5678"). */
  const writtenMobile = (p: Person): string => {
    let at = 0;
    const parts = MOBILE_PLANS[p.country].groups.map((n) => p.nsn.slice(at, (at += n)));
    const sep = rng.pick([' ', ' ', '-']);
    return rng.chance(0.6) ? `+${code(p)}${sep}${parts.join(sep)}` : `0${parts.join(sep)}`;
  };
  /** The mobile with one of its subscriber digits wrong (no one else's number). */
  const mistypedMobile = (p: Person): string => {
    const i = p.nsn.length - 1 - rng.int(MOBILE_PLANS[p.country].rest);
    const wrong = `+${code(p)}${p.nsn.slice(0, i)}${(Number(p.nsn[i]) + 1 + rng.int(9)) % 10}${p.nsn.slice(i + 1)}`;
    return mobileOwners.has(wrong) ? mistypedMobile(p) : wrong;
  };
  const applies = (kind: CorruptionKind, r: GeneratedRecord): boolean => {
    const a = r.customerAttributes;
    if (kind === 'nickname') return NICKNAMES[a.firstName!] !== undefined;
    if (kind === 'swappedNames') return a.firstName !== a.lastName; // "Mahmoud Mahmoud" swapped is no change
    if (kind === 'transliteration') return spellingsOf(a.firstName!).length + spellingsOf(a.lastName!).length > 0;
    if (kind.startsWith('email')) return r.email !== undefined;
    if (kind.startsWith('mobile')) return r.mobile !== undefined;
    if (kind === 'dobMissing') return a.dateOfBirth !== undefined;
    return kind.startsWith('city') ? a.city !== undefined : true;
  };
  const corrupt = (p: Person, r: GeneratedRecord, kind: CorruptionKind): void => {
    const a = r.customerAttributes;
    const [local = '', domain = ''] = (r.email ?? '').split('@');
    const field = rng.pick(['firstName', 'lastName'] as const);
    if (kind === 'nameTypo') a[field] = typo(a[field]!, rng.int);
    else if (kind === 'nickname') a.firstName = rng.pick(NICKNAMES[a.firstName!]!);
    else if (kind === 'transliteration') {
      const spelt = spellingsOf(a[field]!).length > 0 ? field : field === 'firstName' ? 'lastName' : 'firstName';
      a[spelt] = rng.pick(spellingsOf(a[spelt]!));
    } else if (kind === 'swappedNames') [a.firstName, a.lastName] = [a.lastName, a.firstName];
    else if (kind === 'emailDots') {
      const f = ascii(p.first);
      const cut = local.startsWith(f) && local.length > f.length ? f.length : 1 + rng.int(local.length - 1);
      const dotted = local.includes('.') ? local.replaceAll('.', '') : `${local.slice(0, cut)}.${local.slice(cut)}`;
      r.email = `${dotted}@${domain}`;
    } else if (kind === 'emailTag') r.email = `${local}+${rng.pick(names.EMAIL_TAGS)}@${domain}`;
    else if (kind === 'emailDomain') {
      const free = names.FREE_DOMAINS.filter((d) => d !== domain && !emailOwners.has(canonicalEmail(`${local}@${d}`)));
      r.email = free.length > 0 ? claimEmail(p.id, local, rng.pick(free)) : workEmail(p, domain);
    } else if (kind === 'emailNew') r.email = workEmail(p, domain);
    else if (kind === 'emailMissing') delete r.email;
    else if (kind === 'mobileNational') r.mobile = `0${p.nsn}`;
    else if (kind === 'mobileFormatted') r.mobile = writtenMobile(p);
    else if (kind === 'mobileTypo') r.mobile = mistypedMobile(p);
    else if (kind === 'mobileMissing') delete r.mobile;
    else if (kind === 'dobMissing') delete a.dateOfBirth;
    else if (kind === 'cityMissing') delete a.city;
    else if (kind === 'cityMoved') {
      const country = rng.chance(0.9) ? p.country : rng.pick(names.COUNTRIES.filter((c) => c !== p.country));
      [a.city, a.country] = [rng.zipf(CITIES[country].filter((c) => c !== a.city)), country];
    }
  };
  const addDuplicate = (p: Person) => {
    const records = recordsOf.get(p.id)!;
    const r: GeneratedRecord = structuredClone({ ...records[0]!, customerId: `p${p.id}-r${records.length}` });
    const kinds: CorruptionKind[] = [];
    if (rng.chance(0.06)) kinds.push(rng.pick(names.HARD.names.filter((k) => applies(k, r))), ...names.HARD.others);
    let groups = names.GROUP_WEIGHTS.filter(([g]) => kindsOf(g).some(([k]) => applies(k, r)));
    for (let n = kinds.length > 0 ? 0 : rng.zipf([1, 2, 3], 0.8); n > 0 && groups.length > 0; n--) {
      const group = rng.weighted(groups);
      groups = groups.filter(([g]) => g !== group);
      kinds.push(rng.weighted(kindsOf(group).filter(([k]) => applies(k, r))));
    }
    const applied = kinds.filter((kind) => applies(kind, r));
    for (const kind of applied) corrupt(p, r, kind);
    records.push(r);
    corruptions.set(r.customerId, applied);
  };

  /** Someone of the anchor's family: last name and city shared, sometimes the phone, the email or its domain. */
  const addRelative = (anchor: Person): Person => {
    const male = rng.chance(0.5);
    let first: string;
    do first = rng.zipf(firstNames(anchor.origin, male));
    while (first === anchor.first || spellingsOf(anchor.first).includes(first));
    const gap = rng.chance(0.5) ? 1 + rng.int(8) : 20 + rng.int(16); // a sibling, or a parent or child
    const year = Number(anchor.dob.slice(0, 4));
    const younger = year + gap <= REFERENCE_YEAR - 16 && (year - gap < REFERENCE_YEAR - 85 || rng.chance(0.5));
    const anchorRecord = recordsOf.get(anchor.id)![0]!;
    const sharePhone = anchorRecord.mobile !== undefined && rng.chance(0.05);
    const shareEmail = anchorRecord.email !== undefined && rng.chance(0.03);
    const like: Traits = { origin: anchor.origin, male, first, last: anchor.last, country: anchor.country };
    if (sharePhone) like.nsn = anchor.nsn;
    if (shareEmail) like.email = anchor.email;
    else if (rng.chance(0.4)) like.emailDomain = anchor.email.split('@')[1];
    const keep = { city: true, mobile: sharePhone, email: shareEmail };
    return addPerson({ ...like, city: anchor.city, dob: birthDate(younger ? year + gap : year - gap) }, keep);
  };
  /** Another person with the anchor's names (two different "Mohamed Hassan"s), usually in another city. */
  const addNamesake = (anchor: Person): Person => {
    let dob = birthDate();
    if (dob === anchor.dob) dob = birthDate(Number(dob.slice(0, 4)) - 1);
    const city = rng.chance(0.75) ? rng.zipf(CITIES[anchor.country].filter((c) => c !== anchor.city)) : anchor.city;
    const { origin, male, first, last, country } = anchor;
    return addPerson({ origin, male, first, last, country, city, dob });
  };

  const lookalikes = Math.min(people - 1, Math.round(people * hardNegativeShare));
  for (let i = 0; i < people - lookalikes; i++) addPerson();
  const originals = [...persons];
  const hardNegativeKinds = new Map<string, 'relative' | 'namesake'>();
  const hardNegativePairs: Array<[string, string]> = [];
  for (let i = 0; i < lookalikes; i++) {
    let anchor = rng.pick(originals);
    const kind = rng.chance(0.55) ? 'relative' : 'namesake';
    if (kind === 'namesake') for (let n = 0; n < 30 && !isCommonName(anchor); n++) anchor = rng.pick(originals);
    const other = kind === 'relative' ? addRelative(anchor) : addNamesake(anchor);
    const pair: [string, string] = [`p${anchor.id}-r0`, `p${other.id}-r0`];
    hardNegativePairs.push(pair);
    hardNegativeKinds.set(pairKey(...pair), kind);
  }
  const duplicated = rng.shuffled(persons).slice(0, Math.round(people * duplicateShare));
  duplicated.forEach((p) => addDuplicate(p));
  duplicated.slice(0, Math.round(duplicated.length * 0.03)).forEach((p) => addDuplicate(p));

  const duplicatePairs: Array<[string, string]> = [];
  const weakDuplicatePairs: string[] = [];
  const mobileKey = (p: Person, mobile?: string) => mobile?.replace(/[\s-]/g, '').replace(/^0/, `+${code(p)}`);
  for (const p of persons) {
    for (const [a, b] of pairsOf(recordsOf.get(p.id)!)) {
      duplicatePairs.push([a.customerId, b.customerId]);
      const email = a.email !== undefined && canonicalEmail(a.email) === canonicalEmail(b.email ?? '');
      const mobile = a.mobile !== undefined && mobileKey(p, a.mobile) === mobileKey(p, b.mobile);
      if (!email && !mobile) weakDuplicatePairs.push(pairKey(a.customerId, b.customerId));
    }
  }
  const records = rng.shuffled(persons.flatMap((p) => recordsOf.get(p.id)!));
  return { data: { records, duplicatePairs, hardNegativePairs }, corruptions, hardNegativeKinds, weakDuplicatePairs };
}

export const generateDataSet = (options: GenerateOptions): DataSet => generateDetailed(options).data;

/** What the command prints: the set's size and how it was made. */
export function summarize(options: GenerateOptions) {
  const { data, corruptions, hardNegativeKinds, weakDuplicatePairs } = generateDetailed(options);
  const count = (values: Iterable<string>) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
  };
  return {
    seed: options.seed,
    records: data.records.length,
    people: new Set(data.records.map((r) => r.personId)).size,
    peopleWithDuplicates: new Set(data.duplicatePairs.map(([a]) => a.split('-')[0])).size,
    duplicatePairs: data.duplicatePairs.length,
    weakDuplicatePairs: weakDuplicatePairs.length,
    hardNegativePairs: data.hardNegativePairs.length,
    hardNegativesByKind: count(hardNegativeKinds.values()),
    corruptionsPerExtraRecord: count([...corruptions.values()].map((kinds) => String(kinds.length))),
    corruptionsByKind: count([...corruptions.values()].flat()),
    recordsMissing: count(
      data.records.flatMap(({ email, mobile, customerAttributes: { dateOfBirth, city } }) =>
        Object.keys({ email, mobile, dateOfBirth, city }).filter(
          (k, i) => [email, mobile, dateOfBirth, city][i] === undefined,
        ),
      ),
    ),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flags = { seed: { type: 'string', default: '1' }, people: { type: 'string', default: '1000' } } as const;
  const { values } = parseArgs({ options: flags });
  console.log(JSON.stringify(summarize({ seed: Number(values.seed), people: Number(values.people) }), null, 2));
}
