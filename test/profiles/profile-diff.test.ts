import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EMPTY_PROFILE } from '../../src/modules/profiles/profile-fields.js';
import type { ProfileState } from '../../src/modules/profiles/profile.types.js';
import { diffProfiles } from '../../src/modules/profiles/profile-diff.js';

// diffProfiles is the one test of "did this write change the profile": an empty diff means no
// write, no history entry and no webhook (docs/identity.md History: no change, no entry).
const profile = (over: Partial<ProfileState>): ProfileState => ({ ...EMPTY_PROFILE, ...over });
const device = (token: string, updatedAt: string) => ({
  deviceToken: token,
  osType: 'ios',
  pushProvider: 'firebase',
  updatedAt,
});

describe('diffProfiles — what counts as a change', () => {
  test('a profile compared with a copy of itself has no change, whatever its key order', () => {
    const json = fc.jsonValue({ maxDepth: 2 });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), fc.dictionary(fc.string(), json), (attributes, custom) => {
        const a = profile({ attributes, custom, email: 'e@x.io', tags: ['vip'] });
        const reordered = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).reverse());
        const b = JSON.parse(
          JSON.stringify({ ...a, attributes: reordered(attributes), custom: reordered(custom) }),
        ) as ProfileState;
        assert.deepEqual(diffProfiles(a, b), []);
      }),
    );
  });

  test('a device sent again with only a new time is no change; another token, OS or provider is', () => {
    const before = profile({ pushDevices: [device('t1', '2026-01-01T00:00:00.000Z')] });
    assert.deepEqual(diffProfiles(before, profile({ pushDevices: [device('t1', '2026-02-01T00:00:00.000Z')] })), []);
    for (const changed of [
      device('t2', 'x'),
      { ...device('t1', 'x'), osType: 'android' },
      { ...device('t1', 'x'), pushProvider: 'huawei' },
    ]) {
      assert.deepEqual(
        diffProfiles(before, profile({ pushDevices: [changed] })).map((c) => c.field),
        ['pushDevices'],
      );
    }
    assert.deepEqual(
      diffProfiles(before, profile({ pushDevices: [] })).map((c) => c.field),
      ['pushDevices'],
    );
  });

  test("keys named like Object.prototype members are compared as the customer's own keys", () => {
    const before = profile({ custom: { toString: 'a' } });
    const after = profile({ custom: { toString: 'a', constructor: 'b' } });
    assert.deepEqual(diffProfiles(before, after), [
      { field: 'customerAttributes.custom.constructor', before: null, after: 'b' },
    ]);
    assert.deepEqual(diffProfiles(after, before), [
      { field: 'customerAttributes.custom.constructor', before: 'b', after: null },
    ]);
    assert.deepEqual(
      diffProfiles(profile({}), profile({ attributes: { hasOwnProperty: 1 } })).map((c) => c.field),
      ['customerAttributes.hasOwnProperty'],
    );
    // Nested too: a value whose own valueOf is not a function is compared, not called.
    const hostile = (v: unknown) => profile({ custom: { x: { valueOf: v, toString: v } } });
    assert.deepEqual(diffProfiles(hostile(null), hostile(null)), []);
    assert.deepEqual(
      diffProfiles(hostile(null), hostile(1)).map((c) => c.field),
      ['customerAttributes.custom.x'],
    );
  });

  test('a number sent as -0 is the 0 the store gives back: no change', () => {
    assert.deepEqual(
      diffProfiles(profile({ custom: { score: { value: 0 } } }), profile({ custom: { score: { value: -0 } } })),
      [],
    );
  });

  test('each changed field is named once, with its value before and after', () => {
    const before = profile({
      email: 'a@x.io',
      attributes: { city: 'Cairo', totalOrders: 3 },
      custom: { tier: 'gold' },
      tags: ['a'],
    });
    const after = profile({
      email: 'b@x.io',
      attributes: { city: 'Cairo', totalOrders: 4, country: 'Egypt' },
      custom: {},
      tags: ['a', 'b'],
      isActive: false,
    });
    assert.deepEqual(diffProfiles(before, after), [
      { field: 'email', before: 'a@x.io', after: 'b@x.io' },
      { field: 'customerAttributes.totalOrders', before: 3, after: 4 },
      { field: 'customerAttributes.country', before: null, after: 'Egypt' },
      { field: 'customerAttributes.custom.tier', before: 'gold', after: null },
      { field: 'isActive', before: true, after: false },
      { field: 'tags', before: ['a'], after: ['a', 'b'] },
    ]);
  });
});
