import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { buildTestApp, CUSTOMERS, refusedUnchanged, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';

const t = await buildTestApp();
const keys = await t.newAccount({ mergeBy: 'email' });
const api = client(t.app, keys);
await api.upsert({
  customerId: 'existing',
  email: 'existing@x.io',
  customerAttributes: { city: 'Cairo', custom: { a: 1 } },
});

/** Sends a bad request: refused naming the field, and nothing in the store moved. */
async function rejects(body: unknown, status: number, code: number, field: string): Promise<void> {
  await refusedUnchanged(t.store, api, body, status, code, field);
}

describe('POST /customers — bad input is rejected with the field named and nothing written', () => {
  test('missing customerId → 400 code 3000', () => rejects({ email: 'a@x.io' }, 400, 3000, 'customerId'));
  test('null customerId → 422 code 3001', () =>
    rejects({ customerId: null, email: 'a@x.io' }, 422, 3001, 'customerId'));
  test('customerId of the wrong type → 422 code 3003', () =>
    rejects({ customerId: 42, email: 'a@x.io' }, 422, 3003, 'customerId'));
  test('blank customerId → 422 code 3003', () =>
    rejects({ customerId: '   ', email: 'a@x.io' }, 422, 3003, 'customerId'));
  test('customerId over 100 characters → 422 code 3003', () =>
    rejects({ customerId: 'x'.repeat(101), email: 'a@x.io' }, 422, 3003, 'customerId'));

  const wrong: Array<[string, Record<string, unknown>]> = [
    ['customerAttributes.channel', { channel: 'tv' }],
    ['customerAttributes.totalOrders', { totalOrders: -1 }],
    ['customerAttributes.totalOrders', { totalOrders: 1.5 }],
    ['customerAttributes.totalOrders', { totalOrders: '3' }],
    ['customerAttributes.totalSpent', { totalSpent: '10' }],
    ['customerAttributes.avgOrderAmount', { avgOrderAmount: true }],
    ['customerAttributes.dateOfBirth', { dateOfBirth: 'yesterday' }],
    ['customerAttributes.joinDate', { joinDate: '2024-02-30' }],
    ['customerAttributes.lastOrderDate', { lastOrderDate: 20240101 }],
    ['customerAttributes.displayName', { displayName: 12 }],
    ['customerAttributes.utms', { utms: 'a,b' }],
    ['customerAttributes.paymentMethods', { paymentMethods: [1, 2] }],
    ['customerAttributes.custom', { custom: 'text' }],
  ];
  for (const [field, attributes] of wrong) {
    test(`${field} = ${JSON.stringify(Object.values(attributes)[0])} → 422 code 3003`, () =>
      rejects({ customerId: 'existing', customerAttributes: attributes }, 422, 3003, field));
  }

  test('guest of the wrong type → 422 code 3003', () =>
    rejects({ customerId: 'existing', guest: 'yes' }, 422, 3003, 'guest'));
  test('customerAttributes not an object → 422 code 3003', () =>
    rejects({ customerId: 'existing', customerAttributes: [1] }, 422, 3003, 'customerAttributes'));

  test('custom with more than 100 keys → 422 code 3003', () => {
    const custom = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    return rejects({ customerId: 'existing', customerAttributes: { custom } }, 422, 3003, 'customerAttributes.custom');
  });

  test('custom that would exceed 100 stored keys → 422 code 3003', () => {
    const custom = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    return rejects({ customerId: 'existing', customerAttributes: { custom } }, 422, 3003, 'customerAttributes.custom');
  });

  test('custom key longer than 100 characters → 422 code 3003', () =>
    rejects(
      { customerId: 'existing', customerAttributes: { custom: { ['k'.repeat(101)]: 1 } } },
      422,
      3003,
      'customerAttributes.custom',
    ));

  test('unreadable email on an account merging by email → 422 code 3003', () =>
    rejects({ customerId: 'new-1', email: 'not-an-email' }, 422, 3003, 'email'));

  test('unreadable customerAttributes.email is named as such', () =>
    rejects({ customerId: 'new-1', customerAttributes: { email: 'nope' } }, 422, 3003, 'customerAttributes.email'));

  test('a body over 64 KiB → 413', async () => {
    const before = await snapshot(t.store, api.accountId);
    const res = await api.upsert({
      customerId: 'big',
      email: 'big@x.io',
      customerAttributes: { custom: { blob: 'x'.repeat(70 * 1024) } },
    });
    assert.equal(res.statusCode, 413);
    const error = res.json();
    assert.ok(error.code >= 3000 && error.code < 4000);
    assert.equal(error.type, 'Payload Error');
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
  });

  test('malformed JSON → 400 code 3016', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: CUSTOMERS,
      headers: { apikey: keys.apiKey, 'content-type': 'application/json' },
      payload: '{"customerId": "x",',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 3016);
  });

  test('a body that is not JSON → 415 code 3013', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: CUSTOMERS,
      headers: { apikey: keys.apiKey, 'content-type': 'text/plain' },
      payload: 'customerId=x',
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, 3013);
  });

  test('a JSON body that is not an object → 422 naming the body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: CUSTOMERS,
      headers: { apikey: keys.apiKey, 'content-type': 'application/json' },
      payload: '[1,2]',
    });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 3003);
  });

  test('a prototype-pollution body is refused as malformed, not a crash', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: CUSTOMERS,
      headers: { apikey: keys.apiKey, 'content-type': 'application/json' },
      payload: '{"customerId":"x","email":"p@x.io","__proto__":{"admin":true}}',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 3016);
  });

  test('no bad input ever yields a 5xx (property test over random bodies)', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const body = fc.record(
      {
        customerId: fc.oneof(fc.string({ maxLength: 120 }), fc.integer(), fc.constant(null)),
        email: fc.oneof(fc.emailAddress(), fc.string(), fc.constant(null)),
        mobile: fc.oneof(fc.string(), fc.constant('+201001234567')),
        guest: value,
        customerAttributes: fc.oneof(
          fc.constant(null),
          fc.dictionary(
            fc.constantFrom('totalOrders', 'channel', 'dateOfBirth', 'custom', 'utms', 'city', 'extra'),
            value,
          ),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await api.upsert(b);
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(b)}: ${res.body}`);
        if (res.statusCode !== 200) assert.equal(typeof res.json().code, 'number');
      }),
      { numRuns: 150 },
    );
  });
});
