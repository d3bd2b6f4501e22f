import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { applyUpsert, MAX_PUSH_DEVICES } from '../../src/modules/customers/profile-patch.js';
import { EMPTY_PROFILE } from '../../src/modules/profiles/profile-fields.js';
import type { ProfileState } from '../../src/modules/profiles/profile.types.js';
import type { UpsertInput } from '../../src/modules/customers/upsert-input.js';

const NOW = '2026-01-01T00:00:00.000Z';
const noChange: UpsertInput = {
  customerId: 'x',
  email: { kind: 'absent' },
  mobile: { kind: 'absent' },
  attributes: undefined,
  custom: { kind: 'absent' },
  device: { kind: 'absent' },
  guest: { kind: 'absent' },
  referrerCode: undefined,
  identifiers: [],
  requiredIdentifier: undefined,
};

const json = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }));
const key = fc.constantFrom('a', 'b', 'c', 'd', 'city', 'totalOrders');
const attributesArb = fc.dictionary(key, json);
const changesArb = fc.dictionary(key, fc.option(json, { nil: null }));

describe('applyUpsert — the partial-update rules', () => {
  test('absent fields leave the profile as it is', () => {
    fc.assert(
      fc.property(attributesArb, attributesArb, fc.boolean(), (attributes, custom, guest) => {
        const current: ProfileState = { ...EMPTY_PROFILE, attributes, custom, guest, email: 'e@x.io' };
        assert.deepEqual(applyUpsert(current, noChange, NOW), current);
      }),
    );
  });

  test('attributes: null removes the key, a value replaces it, other keys stay', () => {
    fc.assert(
      fc.property(attributesArb, changesArb, (attributes, changes) => {
        const next = applyUpsert(
          { ...EMPTY_PROFILE, attributes },
          { ...noChange, attributes: changes },
          NOW,
        ).attributes;
        for (const k of new Set([...Object.keys(attributes), ...Object.keys(changes)])) {
          if (!(k in changes)) assert.deepEqual(next[k], attributes[k]);
          else if (changes[k] === null) assert.equal(k in next, false);
          else assert.deepEqual(next[k], changes[k]);
        }
      }),
    );
  });

  test('custom merges key by key the same way', () => {
    fc.assert(
      fc.property(attributesArb, changesArb, (custom, changes) => {
        const next = applyUpsert(
          { ...EMPTY_PROFILE, custom },
          { ...noChange, custom: { kind: 'set', value: changes } },
          NOW,
        ).custom;
        for (const k of Object.keys(changes)) {
          if (changes[k] === null) assert.equal(k in next, false);
          else assert.deepEqual(next[k], changes[k]);
        }
        for (const k of Object.keys(custom)) if (!(k in changes)) assert.deepEqual(next[k], custom[k]);
      }),
    );
  });

  test('applying the same request twice is the same as once', () => {
    fc.assert(
      fc.property(attributesArb, changesArb, changesArb, (attributes, attrChanges, customChanges) => {
        const input: UpsertInput = {
          ...noChange,
          attributes: attrChanges,
          custom: { kind: 'set', value: customChanges },
        };
        const once = applyUpsert({ ...EMPTY_PROFILE, attributes }, input, NOW);
        assert.deepEqual(applyUpsert(once, input, NOW), once);
      }),
    );
  });

  test('a profile keeps the newest devices, one entry per token', () => {
    let state = EMPTY_PROFILE;
    for (let i = 0; i < MAX_PUSH_DEVICES + 5; i++) {
      state = applyUpsert(state, { ...noChange, device: { kind: 'set', value: { deviceToken: `t${i}` } } }, NOW);
    }
    state = applyUpsert(
      state,
      { ...noChange, device: { kind: 'set', value: { deviceToken: 't10', osType: 'ios' } } },
      NOW,
    );
    assert.equal(state.pushDevices.length, MAX_PUSH_DEVICES);
    assert.equal(state.pushDevices[0]!.deviceToken, 't10');
    assert.equal(state.pushDevices.filter((d) => d.deviceToken === 't10').length, 1);
  });
});
