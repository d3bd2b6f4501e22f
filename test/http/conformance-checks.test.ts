// Negative controls for the conformance checks: every check the integration suites rely on must
// reject a broken answer, or a passing conformance test proves nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertOperationConforms, PROMISED, reference } from '../helpers/reference.js';

const I = '/api/v4.0/integrations';
const C = `${I}/customers`;
const at = '2026-11-26T12:00:00.000Z';
const profile = {
  gameballId: 1,
  customerId: 'a',
  referralCode: 'TWXNLL7V',
  isReferred: false,
  guest: false,
  isActive: true,
  customerAttributes: { city: 'Cairo', custom: { k: 1 }, tags: [] },
};

/** A valid answer per operation, shaped like Patron's real answers, and a broken variant of it. */
const samples: Record<string, { good: Record<string, unknown>; typeBroken: Record<string, unknown> }> = {
  [`post ${C}`]: { good: { gameballId: 1 }, typeBroken: { gameballId: 'one' } },
  [`get ${C}/{customerId}`]: { good: profile, typeBroken: { ...profile, gameballId: '1' } },
  [`get ${C}/{customerId}/details`]: {
    good: {
      ...profile,
      isGuest: false,
      email: 'a@x.io',
      customerAttributes: { ...profile.customerAttributes, email: 'a@x.io' },
      mergedCustomerIds: ['a'],
      pushDevices: [{ deviceToken: 't', osType: 'android', updatedAt: at }],
      createdAt: at,
      updatedAt: at,
    },
    typeBroken: { ...profile, customerAttributes: 'none' },
  },
  [`delete ${C}/{customerId}`]: {
    good: { success: true, message: 'Customer deleted.' },
    typeBroken: { success: 'yes', message: 'x' },
  },
  [`put ${C}/{customerId}/activate`]: {
    good: { customerId: 'a', isActive: false, stateChanged: true },
    typeBroken: { customerId: 'a', isActive: 'no', stateChanged: true },
  },
  [`get ${C}/{customerId}/hash`]: {
    good: { hash: 'TLKXNBtF6oLiTlqcW16IGlPrnBPSn8t8', expiresAt: at },
    typeBroken: { hash: 42, expiresAt: at },
  },
  [`get ${I}/referrals/validate`]: { good: { isValid: true }, typeBroken: { isValid: 'true' } },
  [`get ${C}/{customerId}/referrals`]: {
    good: { referredFriends: [{ customerId: 'f', joinDate: at, status: 'Pending' }], count: 1, hasMore: false },
    typeBroken: { referredFriends: [{ customerId: 'f', joinDate: at, status: 'Maybe' }], count: 1, hasMore: false },
  },
  [`get ${C}/{customerId}/referrals/count`]: {
    good: { count: 3, totalPending: 1, totalActive: 2 },
    typeBroken: { count: '3', totalPending: 1, totalActive: 2 },
  },
  [`post ${C}/{customerId}/tags`]: {
    good: { success: true, message: '1 tag attached.' },
    typeBroken: { success: true, message: 7 },
  },
  [`delete ${C}/{customerId}/tags`]: {
    good: { success: true, message: '1 tag removed.' },
    typeBroken: { success: 1, message: 'x' },
  },
  [`delete ${C}/{customerId}/tags/{tag}`]: {
    good: { success: true, message: '1 tag removed.' },
    typeBroken: { success: true, message: null },
  },
  [`post ${I}/batch/customers`]: {
    good: { jobId: 7, batchId: '7', status: 'pending', totalItems: 2 },
    typeBroken: { jobId: '7', batchId: '7', status: 'pending', totalItems: 2 },
  },
  [`get ${I}/batches/{batchId}/status`]: {
    good: {
      batchId: '7',
      status: 'completed',
      progress: 100,
      totalItems: 2,
      processedItems: 2,
      failedItems: 0,
      results: [1, 2],
      errors: [],
    },
    typeBroken: { batchId: '7', status: 'done', progress: 100, totalItems: 2, processedItems: 2, failedItems: 0 },
  },
  [`post ${I}/batches/{batchId}/stop`]: {
    good: { batchId: '7', status: 'failed', message: 'Stopped.' },
    typeBroken: { batchId: 7, status: 'failed', message: 'Stopped.' },
  },
};

function check(key: string, value: unknown): void {
  const [method, path] = key.split(' ') as [string, string];
  assertOperationConforms(path, method, value);
}

describe('conformance checks reject broken answers', () => {
  test('every reference operation has a promise and a sample', () => {
    for (const [path, methods] of Object.entries(reference.paths)) {
      for (const method of Object.keys(methods)) {
        assert.ok(PROMISED[`${method} ${path}`], `promise for ${method} ${path}`);
        assert.ok(samples[`${method} ${path}`], `sample for ${method} ${path}`);
      }
    }
  });

  for (const [key, { good, typeBroken }] of Object.entries(samples)) {
    test(key, () => {
      check(key, good); // the control itself is sound
      assert.throws(() => check(key, {}), /misses what it promises|does not conform/, 'an empty answer');
      assert.throws(
        () => check(key, typeBroken),
        /misses what it promises|does not conform/,
        'a value of the wrong type',
      );
      for (const required of (PROMISED[key] as { required?: string[] }).required ?? []) {
        const { [required]: _dropped, ...without } = good;
        assert.throws(() => check(key, without), /misses what it promises/, `an answer without ${required}`);
      }
    });
  }

  test('GET without the secret key may not carry personal data; a registered profile needs its referral code', () => {
    const get = `get ${C}/{customerId}`;
    assert.throws(() => check(get, { ...profile, email: 'a@x.io' }), /misses what it promises/);
    assert.throws(
      () => check(get, { ...profile, customerAttributes: { ...profile.customerAttributes, firstName: 'A' } }),
      /misses what it promises/,
    );
    const { referralCode: _code, ...noCode } = profile;
    assert.throws(() => check(get, noCode), /misses what it promises/, 'registered without a code');
    check(get, { ...noCode, guest: true });
    assert.throws(() => check(get, { ...profile, guest: true }), /misses what it promises/, 'a guest with a code');
  });
});
