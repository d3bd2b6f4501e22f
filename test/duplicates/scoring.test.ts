import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockingKeys, scorePair, toPerson } from '../../src/modules/duplicates/index.js';

let id = 0;
const person = (email: string | null, mobile: string | null, attributes: Record<string, unknown>) =>
  toPerson({ gameballId: ++id, email, mobile, attributes });
const THRESHOLD = 0.8;

describe('possible duplicates: normalising, blocking keys and the pair score', () => {
  test('transliterations share a phonetic code, and an email with dots or a +tag is the same address', () => {
    const a = person('Mohamed.Hassan+shop@Gmail.com', '+20 100 123 4567', {
      firstName: 'Mohamed',
      lastName: 'El-Sayed',
    });
    const b = person('mohamedhassan@gmail.com', '01001234567', { firstName: 'Muhammad', lastName: 'Elsayed' });
    assert.deepEqual(
      [a.email, a.mobile, a.first?.phonetic, a.last?.plain],
      [b.email, b.mobile, b.first?.phonetic, 'elsayed'],
    );
    const shared = blockingKeys(a).filter((k) => blockingKeys(b).includes(k));
    assert.deepEqual(shared.map((k) => k.slice(0, 2)).sort(), ['e:', 'm:', 'n:']);
    const { score, features } = scorePair(a, b);
    assert.ok(score > 0.99, String(score));
    assert.deepEqual(features, ['email-exact', 'mobile-exact', 'first-name-phonetic', 'last-name-exact']);
  });

  test('swapped first and last names are compared swapped', () => {
    const a = person(null, '+201001234567', { firstName: 'Nour', lastName: 'Fahmy', dateOfBirth: '1990-01-02' });
    const b = person(null, '+201001234567', { firstName: 'Fahmy', lastName: 'Nour', dateOfBirth: '1990-01-02' });
    assert.ok(blockingKeys(a).includes(blockingKeys(b).find((k) => k.startsWith('n:'))!));
    const { score, features } = scorePair(a, b);
    assert.ok(features.includes('names-swapped') && score >= THRESHOLD, `${score} ${features}`);
  });

  test('a one-digit typo in the mobile, or a national form, still matches', () => {
    const a = person(null, '+201001234567', { firstName: 'Salma', lastName: 'Zaki' });
    const typo = person(null, '+201001234557', { firstName: 'Salma', lastName: 'Zaki' });
    const swapped = person(null, '01001234576', { firstName: 'Salma', lastName: 'Zaki' });
    assert.ok(scorePair(a, typo).features.includes('mobile-one-digit'));
    assert.ok(scorePair(a, swapped).features.includes('mobile-one-digit'));
  });

  test('hard negatives stay below the default threshold: a family sharing a phone, namesakes with name-made emails', () => {
    const mother = person(null, '+201001234567', {
      firstName: 'Hana',
      lastName: 'Lotfy',
      dateOfBirth: '1965-03-04',
      city: 'Cairo',
    });
    const son = person(null, '+201001234567', {
      firstName: 'Karim',
      lastName: 'Lotfy',
      dateOfBirth: '1994-08-09',
      city: 'Cairo',
    });
    assert.ok(scorePair(mother, son).score < THRESHOLD, String(scorePair(mother, son).score));
    const one = person('mohamed.hassan@gmail.com', null, { firstName: 'Mohamed', lastName: 'Hassan' });
    const other = person('mohamedhassan@yahoo.com', null, { firstName: 'Mohamed', lastName: 'Hassan' });
    assert.ok(one.emailLocalIsName);
    assert.ok(scorePair(one, other).score < THRESHOLD, String(scorePair(one, other).score));
    // The same local part that is not just the names is strong evidence.
    const nick = person('ann.the.baker@gmail.com', null, { firstName: 'Ann', lastName: 'Smith' });
    const same = person('annthebaker@yahoo.com', null, { firstName: 'Ann', lastName: 'Smith' });
    assert.ok(scorePair(nick, same).score >= THRESHOLD, String(scorePair(nick, same).score));
  });

  test('a missing field weighs nothing; the score is symmetric', () => {
    const a = person('x@shop.io', null, { firstName: 'Dina' });
    const b = person('x@shop.io', '+201001234567', { firstName: 'Dina', city: 'Giza' });
    assert.equal(scorePair(a, b).score, scorePair(b, a).score);
    assert.deepEqual(scorePair(a, b).features, ['email-exact', 'first-name-exact']);
  });
});
