import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateDataSet,
  generateDetailed,
  labelledPairs,
  pairKey,
  type GeneratedRecord,
} from '../../bench/duplicates/generate.js';
import { CORRUPTIONS } from '../../bench/duplicates/names.js';

// The labelled data set the duplicate-detection bench measures precision and recall on.

const PEOPLE = 2000;
const details = generateDetailed({ seed: 7, people: PEOPLE });
const data = details.data;
const byId = new Map(data.records.map((r) => [r.customerId, r]));
const record = (id: string): GeneratedRecord => {
  const found = byId.get(id);
  assert.ok(found, `${id} is a record of the set`);
  return found;
};

describe('the duplicates data set generator', () => {
  test('one seed gives one set; another seed another', () => {
    const options = { seed: 42, people: 500 };
    assert.deepEqual(generateDataSet(options), generateDataSet(options));
    assert.notDeepEqual(generateDataSet({ ...options, seed: 43 }).records, generateDataSet(options).records);
  });

  test('the counts follow the shares', () => {
    assert.equal(new Set(data.records.map((r) => r.personId)).size, PEOPLE);
    const duplicates = data.duplicatePairs.length;
    assert.ok(duplicates >= 0.25 * PEOPLE && duplicates <= 0.4 * PEOPLE, `${duplicates} duplicate pairs`);
    const negatives = data.hardNegativePairs.length;
    assert.ok(negatives >= 0.1 * PEOPLE && negatives <= 0.2 * PEOPLE, `${negatives} hard negative pairs`);
    const lean = generateDataSet({ seed: 7, people: 1000, duplicateShare: 0.1, hardNegativeShare: 0 });
    assert.ok(lean.duplicatePairs.length >= 100 && lean.duplicatePairs.length < 120);
    assert.equal(lean.hardNegativePairs.length, 0);
  });

  test('customerIds are unique, and one person’s records are not side by side', () => {
    assert.equal(byId.size, data.records.length);
    const adjacent = data.records.filter((r, i) => data.records[i + 1]?.personId === r.personId).length;
    assert.ok(adjacent < 10, `${adjacent} records next to another of their person`);
  });

  test('a duplicate pair is one person, a hard negative pair two', () => {
    for (const [a, b] of data.duplicatePairs) assert.equal(record(a).personId, record(b).personId, `${a} ${b}`);
    for (const [a, b] of data.hardNegativePairs) assert.notEqual(record(a).personId, record(b).personId, `${a} ${b}`);
  });

  test('labelledPairs: every pair of one person’s records, as a|b with a < b', () => {
    const labelled = labelledPairs(data);
    assert.deepEqual(labelled, new Set(data.duplicatePairs.map(([a, b]) => pairKey(a, b))));
    assert.ok([...labelled].every((key) => key.split('|')[0]! < key.split('|')[1]!));
    assert.equal(pairKey('p2-r0', 'p1-r1'), 'p1-r1|p2-r0');
    const counts = new Map<number, number>();
    for (const r of data.records) counts.set(r.personId, (counts.get(r.personId) ?? 0) + 1);
    const triples = [...counts].filter(([, n]) => n === 3).map(([personId]) => personId);
    assert.ok(triples.length > 0, 'some people have three records');
    for (const personId of triples) {
      assert.equal([...labelled].filter((key) => key.startsWith(`p${personId}-`)).length, 3, `person ${personId}`);
    }
  });

  test('mobiles are in international form or national with a leading 0, spaces and dashes aside; emails have one @', () => {
    for (const { mobile, email, customerId } of data.records) {
      if (mobile !== undefined) assert.match(mobile.replace(/[\s-]/g, ''), /^(\+\d{8,15}|0\d{8,12})$/, customerId);
      if (email !== undefined) assert.equal(email.split('@').length, 2, `${customerId}: ${email}`);
    }
  });

  test('an extra record is never an exact copy, and every kind of corruption occurs', () => {
    const withoutId = ({ customerId: _id, ...rest }: GeneratedRecord) => rest;
    for (const id of details.corruptions.keys()) {
      assert.notDeepEqual(withoutId(record(id)), withoutId(record(id.replace(/-r\d+$/, '-r0'))), id);
    }
    const seen = new Set([...details.corruptions.values()].flat());
    const all = Object.values(CORRUPTIONS).flatMap(({ kinds }) => Object.keys(kinds));
    assert.deepEqual([...seen].sort(), all.sort());
    assert.ok(details.weakDuplicatePairs.length > 0, 'some duplicates share no email and no mobile');
    assert.ok(details.weakDuplicatePairs.length < 0.3 * data.duplicatePairs.length, 'most share one of them');
  });

  test('relatives share the last name and a city, namesakes both names; their birth dates differ', () => {
    for (const [a, b] of data.hardNegativePairs) {
      const [x, y] = [record(a).customerAttributes, record(b).customerAttributes];
      const kind = details.hardNegativeKinds.get(pairKey(a, b));
      assert.equal(x.lastName, y.lastName, `${a} ${b}`);
      if (kind === 'relative') {
        assert.notEqual(x.firstName, y.firstName, `${a} ${b}`);
        assert.ok(y.city !== undefined && (x.city === undefined || x.city === y.city), `${a} ${b}`);
      } else {
        assert.equal(kind, 'namesake');
        assert.equal(x.firstName, y.firstName, `${a} ${b}`);
        assert.notEqual(record(a).email ?? 'a', record(b).email ?? 'b', `${a} ${b}`);
        assert.notEqual(record(a).mobile ?? 'a', record(b).mobile ?? 'b', `${a} ${b}`);
      }
      if (x.dateOfBirth !== undefined) assert.notEqual(x.dateOfBirth, y.dateOfBirth, `${a} ${b}`);
    }
    const kinds = [...details.hardNegativeKinds.values()];
    assert.ok(kinds.includes('relative') && kinds.includes('namesake'));
  });

  test('options out of range are refused', () => {
    assert.throws(() => generateDataSet({ seed: 1, people: 0 }), RangeError);
    assert.throws(() => generateDataSet({ seed: 1.5, people: 10 }), RangeError);
    assert.throws(() => generateDataSet({ seed: 1, people: 10, duplicateShare: 2 }), RangeError);
  });
});
