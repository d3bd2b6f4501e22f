import { distance } from 'fastest-levenshtein';
import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import type { Name, Person } from './person.js';

/**
 * How alike two profiles are, as Fellegi–Sunter weighs it: each field's comparison falls in a level
 * (exact, phonetic, similar, different, missing) whose weight is log2(m/u) — how much likelier that
 * level is for two records of one person (m) than for two different people (u). The weights'
 * sum plus the prior (how rare a true pair is among compared ones) is the log-odds; the score is
 * its logistic, 0–1. Missing on either side weighs nothing. The weights were set from the labelled
 * benchmark (`npm run bench:duplicates`, docs/duplicates.md), on another seed than the figures.
 */
export const WEIGHTS = {
  prior: -8,
  email: { exact: 9, samelocal: 6, similar: 3, different: -1.5, namesOnly: 1 },
  mobile: { exact: 8, typo: 4, different: -2.5 },
  first: { exact: 3.5, phonetic: 3, similar: 2, prefix: 1.5, different: -4 },
  last: { exact: 3, phonetic: 2.5, similar: 1.5, prefix: 1, different: -3.5 },
  dateOfBirth: { exact: 5, different: -5 },
  city: { exact: 0.5, different: -0.3 },
} as const;

/** A field that matched and how: `email-exact`, `first-name-phonetic`, `names-swapped`, … */
export type Feature = string;

export interface PairScore {
  score: number;
  features: Feature[];
  /** The fields whose values matched (a dismissed pair returns when one of them changes). */
  fields: string[];
}

type NameLevel = 'exact' | 'phonetic' | 'similar' | 'prefix' | 'different';

function nameLevel(a: Name, b: Name): NameLevel {
  if (a.plain === b.plain) return 'exact';
  if (a.phonetic === b.phonetic) return 'phonetic';
  if (jaroWinkler(a.plain, b.plain) >= 0.9) return 'similar';
  const [short, long] = a.plain.length <= b.plain.length ? [a.plain, b.plain] : [b.plain, a.plain];
  return short.length >= 3 && long.startsWith(short) ? 'prefix' : 'different';
}

interface Comparison {
  weight: number;
  features: Feature[];
  fields: string[];
}

function compareNames(a: Person, b: Person, swapped: boolean): Comparison {
  const result: Comparison = { weight: 0, features: [], fields: [] };
  const pairs = [
    ['first', a.first, swapped ? b.last : b.first],
    ['last', a.last, swapped ? b.first : b.last],
  ] as const;
  for (const [part, x, y] of pairs) {
    if (!x || !y) continue;
    const level = nameLevel(x, y);
    result.weight += WEIGHTS[part][level];
    if (level !== 'different') {
      result.features.push(`${part}-name-${level}`);
      result.fields.push(part === 'first' ? 'firstName' : 'lastName');
    }
  }
  if (swapped) result.features.push('names-swapped');
  return result;
}

/** One edit apart, or two neighbouring digits swapped. */
function oneTypo(a: string, b: string): boolean {
  if (distance(a, b) <= 1) return true;
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}

export function scorePair(a: Person, b: Person): PairScore {
  let weight = WEIGHTS.prior;
  const features: Feature[] = [];
  const fields: string[] = [];
  const add = (w: number, feature?: Feature, field?: string) => {
    weight += w;
    if (feature) features.push(feature);
    if (field) fields.push(field);
  };

  if (a.email && b.email) {
    if (a.email === b.email) add(WEIGHTS.email.exact, 'email-exact', 'email');
    // A local part that is only the names says little beyond the names: a namesake's can be the same.
    else if (a.emailLocal && a.emailLocal === b.emailLocal)
      add(a.emailLocalIsName ? WEIGHTS.email.namesOnly : WEIGHTS.email.samelocal, 'email-local-part', 'email');
    else if (a.emailLocal && b.emailLocal && jaroWinkler(a.emailLocal, b.emailLocal) >= 0.92)
      add(a.emailLocalIsName && b.emailLocalIsName ? 0 : WEIGHTS.email.similar, 'email-similar', 'email');
    else add(WEIGHTS.email.different);
  }
  if (a.mobile && b.mobile) {
    if (a.mobile === b.mobile) add(WEIGHTS.mobile.exact, 'mobile-exact', 'mobile');
    else if (oneTypo(a.mobile, b.mobile)) add(WEIGHTS.mobile.typo, 'mobile-one-digit', 'mobile');
    else add(WEIGHTS.mobile.different);
  }
  // Names as given, or first and last swapped: whichever reads as more alike.
  const straight = compareNames(a, b, false);
  const swapped = compareNames(a, b, true);
  const names = swapped.weight > straight.weight ? swapped : straight;
  add(names.weight);
  features.push(...names.features);
  fields.push(...names.fields);
  if (a.dateOfBirth && b.dateOfBirth) {
    if (a.dateOfBirth === b.dateOfBirth) add(WEIGHTS.dateOfBirth.exact, 'date-of-birth', 'dateOfBirth');
    else add(WEIGHTS.dateOfBirth.different);
  }
  if (a.city && b.city) {
    if (a.city === b.city) add(WEIGHTS.city.exact, 'city', 'city');
    else add(WEIGHTS.city.different);
  }
  const score = 1 / (1 + 2 ** -weight);
  return { score: Math.round(score * 1000) / 1000, features, fields };
}
