import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitProfile } from '../../src/modules/identity/index.js';
import type { HistoryEntry } from '../../src/modules/history/index.js';
import { copyState, EMPTY_PROFILE, type ProfileState } from '../../src/modules/profiles/index.js';

let nextId = 1;
const entry = (
  customerId: string,
  changes: HistoryEntry['changes'],
  more: Partial<HistoryEntry> = {},
): HistoryEntry => ({
  id: nextId++,
  at: new Date(nextId * 1000).toISOString(),
  operation: 'upsert',
  customerId,
  requestId: null,
  changes,
  relatedGameballId: null,
  ...more,
});
const state = (fields: Partial<ProfileState>): ProfileState => ({ ...copyState(EMPTY_PROFILE), ...fields });

/**
 * Survivor 1 (customerId "a") and profile 2 (customerIds "x", "y") both set city; "y" set it last,
 * but the survivor's value won the explicit merge. Profile 2 brought the name, set through "x".
 */
function merged() {
  const survivorHistory = [entry('a', [{ field: 'customerAttributes.city', before: null, after: 'Cairo' }])];
  const retiredHistory = [
    entry('x', [{ field: 'customerAttributes.firstName', before: null, after: 'Ann' }]),
    entry('y', [{ field: 'customerAttributes.city', before: null, after: 'Giza' }], { operation: 'merge' }),
    entry('x', [{ field: 'customerIds', before: ['x', 'y'], after: [] }], {
      operation: 'explicit merge',
      relatedGameballId: 1,
    }),
  ];
  survivorHistory.push(
    entry('x', [{ field: 'customerAttributes.firstName', before: null, after: 'Ann' }], {
      operation: 'explicit merge',
      relatedGameballId: 2,
    }),
  );
  const current = { ...state({ attributes: { city: 'Cairo', firstName: 'Ann' } }), gameballId: 1 };
  const absorbed = new Map([[2, { retiredInto: 1, history: retiredHistory }]]);
  return { current, survivorHistory, absorbed };
}

describe('splitProfile after an explicit merge (what came through whom)', () => {
  test("a value the merge brought leaves with the retired profile's customerId that set it, not the one the merge named", () => {
    const { current, survivorHistory, absorbed } = merged();
    const ids = ['a', 'x', 'y'];
    const y = splitProfile(current, survivorHistory, ids, 'y', absorbed);
    // The survivor's city won: it stays; y leaves with the city it set.
    assert.deepEqual(
      [y.remaining.attributes, y.leaving.attributes],
      [{ city: 'Cairo', firstName: 'Ann' }, { city: 'Giza' }],
    );
    const x = splitProfile(current, survivorHistory, ids, 'x', absorbed);
    assert.deepEqual([x.remaining.attributes, x.leaving.attributes], [{ city: 'Cairo' }, { firstName: 'Ann' }]);
  });

  test("the survivor's own customerId takes the value it set; the profile falls back to the last value the others set", () => {
    const { current, survivorHistory, absorbed } = merged();
    const a = splitProfile(current, survivorHistory, ['a', 'x', 'y'], 'a', absorbed);
    assert.deepEqual(
      [a.remaining.attributes, a.leaving.attributes],
      [{ city: 'Giza', firstName: 'Ann' }, { city: 'Cairo' }],
    );
  });

  test("without the retired profile's history, the merge counts as a write by the customerId it named", () => {
    const { current, survivorHistory } = merged();
    const x = splitProfile(current, survivorHistory, ['a', 'x', 'y'], 'x');
    assert.deepEqual([x.remaining.attributes, x.leaving.attributes], [{ city: 'Cairo' }, { firstName: 'Ann' }]);
    const y = splitProfile(current, survivorHistory, ['a', 'x', 'y'], 'y');
    assert.deepEqual(y.leaving.attributes, {});
  });
});
