import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { emailKey, mobileKey } from '../../src/modules/identity/merge-keys.js';

describe('email merge keys', () => {
  test('are trimmed and lower-cased: any spacing and case of one address gives one key', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.string({ unit: fc.constantFrom(' ', '\t') }),
        fc.string({ unit: fc.constantFrom(' ', '\n') }),
        (email, left, right) => {
          const shouted = email.toUpperCase();
          assert.equal(emailKey(`${left}${shouted}${right}`), emailKey(email));
          assert.equal(emailKey(email), email.toLowerCase());
        },
      ),
    );
  });

  test('refuse what is not an address', () => {
    for (const bad of ['', 'plain', 'a@b', '@x.io', 'a b@x.io', 'a@x .io']) assert.equal(emailKey(bad), undefined, bad);
  });
});

describe('mobile merge keys (E.164)', () => {
  test('read local numbers in the default country', () => {
    assert.equal(mobileKey('01001234567', 'EG'), '+201001234567');
    assert.equal(mobileKey('(202) 555-0143', 'US'), '+12025550143');
  });

  test('international forms agree whatever the formatting or default country', () => {
    for (const raw of ['+20 100 123 4567', '+20-100-123-4567', '00201001234567', ' +201001234567 ']) {
      assert.equal(mobileKey(raw, 'EG'), '+201001234567', raw);
    }
    assert.equal(mobileKey('+201001234567', 'US'), '+201001234567');
  });

  test('refuse what cannot be read', () => {
    assert.equal(mobileKey('12', 'EG'), undefined);
    assert.equal(mobileKey('not a number', 'EG'), undefined);
    assert.equal(mobileKey('01001234567', null), undefined, 'a local number needs a default country');
  });
});
