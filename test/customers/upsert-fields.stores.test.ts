import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { client } from '../helpers/client.js';

const t = await buildTestApp();
const api = client(t.app, await t.newAccount());

describe('POST /customers — field rules', () => {
  test('creates a profile and answers 200 {gameballId}', async () => {
    const res = await api.upsert({ customerId: 'fields-1', customerAttributes: { displayName: 'Ann' } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['gameballId']);
    assert.ok(Number.isInteger(body.gameballId) && body.gameballId > 0);
  });

  test('customerId is trimmed: " fields-1 " reaches the same profile', async () => {
    const a = await api.upsert({ customerId: 'fields-1' });
    const b = await api.upsert({ customerId: '  fields-1  ' });
    assert.equal(a.json().gameballId, b.json().gameballId);
  });

  test('partial update: an absent field is left as it is', async () => {
    await api.upsert({
      customerId: 'partial',
      customerAttributes: { firstName: 'Ann', city: 'Cairo', totalSpent: 10.5 },
    });
    await api.upsert({ customerId: 'partial', customerAttributes: { city: 'Giza' } });
    const p = await api.profile('partial');
    assert.equal(p.customerAttributes.firstName, 'Ann');
    assert.equal(p.customerAttributes.city, 'Giza');
    assert.equal(p.customerAttributes.totalSpent, 10.5);
  });

  test('an explicit null clears the field', async () => {
    await api.upsert({ customerId: 'nulls', email: 'n@x.io', customerAttributes: { firstName: 'Ann', city: 'Cairo' } });
    await api.upsert({ customerId: 'nulls', email: null, customerAttributes: { city: null } });
    const p = await api.profile('nulls');
    assert.equal(p.customerAttributes.firstName, 'Ann');
    assert.equal('city' in p.customerAttributes, false);
    assert.equal('email' in p, false);
    assert.equal('email' in p.customerAttributes, false);
  });

  test('customerAttributes: null clears every attribute and custom key', async () => {
    await api.upsert({ customerId: 'attrs-null', customerAttributes: { city: 'Cairo', custom: { a: 1 } } });
    await api.upsert({ customerId: 'attrs-null', customerAttributes: null });
    const p = await api.profile('attrs-null');
    assert.equal(p.customerAttributes.city, undefined);
    assert.deepEqual(p.customerAttributes.custom, {});
  });

  test('custom merges key by key and a key set to null is removed', async () => {
    await api.upsert({ customerId: 'custom', customerAttributes: { custom: { tier: 'gold', color: 'red', n: 1 } } });
    await api.upsert({
      customerId: 'custom',
      customerAttributes: { custom: { color: null, n: 2, nested: { a: [1, 2] } } },
    });
    const p = await api.profile('custom');
    assert.deepEqual(p.customerAttributes.custom, { tier: 'gold', n: 2, nested: { a: [1, 2] } });
  });

  test('custom: null removes every custom key', async () => {
    await api.upsert({ customerId: 'custom-null', customerAttributes: { custom: { a: 1 }, city: 'Cairo' } });
    await api.upsert({ customerId: 'custom-null', customerAttributes: { custom: null } });
    const p = await api.profile('custom-null');
    assert.deepEqual(p.customerAttributes.custom, {});
    assert.equal(p.customerAttributes.city, 'Cairo');
  });

  test('arrays (utms, devices, paymentMethods) replace the stored array', async () => {
    await api.upsert({
      customerId: 'arrays',
      customerAttributes: { utms: ['a', 'b'], devices: [{ id: 1 }, { id: 2 }], paymentMethods: ['visa', 'cash'] },
    });
    await api.upsert({
      customerId: 'arrays',
      customerAttributes: { utms: ['c'], devices: [], paymentMethods: ['paypal'] },
    });
    const p = await api.profile('arrays');
    assert.deepEqual(p.customerAttributes.utms, ['c']);
    assert.deepEqual(p.customerAttributes.devices, []);
    assert.deepEqual(p.customerAttributes.paymentMethods, ['paypal']);
  });

  test('deviceToken, osType and pushProvider are kept per profile as a device', async () => {
    await api.upsert({ customerId: 'device', deviceToken: 'tok-1', osType: 'ios', pushProvider: 'apns' });
    await api.upsert({ customerId: 'device', deviceToken: 'tok-2', osType: 'android', pushProvider: 'fcm' });
    await api.upsert({ customerId: 'device', customerAttributes: { city: 'Cairo' } });
    const p = await api.profile('device');
    assert.equal(p.deviceToken, 'tok-2');
    assert.equal(p.osType, 'android');
    assert.equal(p.pushProvider, 'fcm');
    const devices = p.pushDevices as Array<Record<string, unknown>>;
    assert.deepEqual(
      devices.map((d) => d.deviceToken),
      ['tok-2', 'tok-1'],
    );
    assert.equal(devices[1]!.osType, 'ios');
  });

  test('guest defaults to false on creation and is unchanged when absent', async () => {
    await api.upsert({ customerId: 'guest-default' });
    assert.equal((await api.profile('guest-default')).guest, false);
    await api.upsert({ customerId: 'guest-kept', guest: true });
    await api.upsert({ customerId: 'guest-kept', customerAttributes: { city: 'Cairo' } });
    const p = await api.profile('guest-kept');
    assert.equal(p.guest, true);
    assert.equal(p.isGuest, true);
  });

  test('isGuest (mobile SDK) is the same field as guest', async () => {
    await api.upsert({ customerId: 'is-guest', isGuest: true });
    assert.equal((await api.profile('is-guest')).guest, true);
    await api.upsert({ customerId: 'is-guest', isGuest: false });
    assert.equal((await api.profile('is-guest')).guest, false);
    const read = (await api.get('is-guest')).json();
    assert.equal(read.guest, false);
  });

  test('unknown customerAttributes keys are kept and returned as they came', async () => {
    const extra = { loyaltyTier: 'vip', score: 7, flags: { beta: true }, list: [1, 'a'] };
    await api.upsert({ customerId: 'unknown-attrs', customerAttributes: { ...extra } });
    const p = await api.profile('unknown-attrs');
    for (const [key, value] of Object.entries(extra)) assert.deepEqual(p.customerAttributes[key], value, key);
  });

  test('unknown top-level keys are ignored', async () => {
    const res = await api.upsert({ customerId: 'unknown-top', someFutureField: { x: 1 }, another: 'y' });
    assert.equal(res.statusCode, 200);
    const p = await api.profile('unknown-top');
    assert.equal('someFutureField' in p, false);
    assert.equal('another' in p.customerAttributes, false);
  });

  test('every schema field is stored and returned by details', async () => {
    const attributes = {
      displayName: 'Ann B',
      firstName: 'Ann',
      lastName: 'B',
      gender: 'F',
      dateOfBirth: '1990-02-03',
      joinDate: '2024-01-01T10:00:00Z',
      country: 'EG',
      city: 'Cairo',
      zip: '11511',
      preferredLanguage: 'ar',
      source: 'app',
      utms: [{ utm_source: 'x' }],
      devices: [{ os: 'ios' }],
      paymentMethods: ['visa'],
      totalSpent: 99.5,
      lastOrderDate: '2024-05-01',
      totalOrders: 3,
      avgOrderAmount: 33.17,
      channel: 'web',
      custom: { a: 'b' },
    };
    await api.upsert({
      customerId: 'all-fields',
      email: 'all@x.io',
      mobile: '+201001234567',
      customerAttributes: attributes,
    });
    const p = await api.profile('all-fields');
    for (const [key, value] of Object.entries(attributes)) assert.deepEqual(p.customerAttributes[key], value, key);
    assert.equal(p.email, 'all@x.io');
    assert.equal(p.mobile, '+201001234567');
  });

  test('GET /customers/{id} carries no personal data', async () => {
    await api.upsert({
      customerId: 'no-pii',
      email: 'secret@x.io',
      mobile: '+201001234567',
      customerAttributes: {
        displayName: 'Ann',
        firstName: 'Ann',
        lastName: 'B',
        dateOfBirth: '1990-01-01',
        email: 'x@y.io',
        city: 'Cairo',
        custom: { k: 1 },
      },
    });
    const res = await api.get('no-pii');
    assert.equal(res.statusCode, 200);
    const text = res.body;
    for (const pii of ['secret@x.io', '1001234567', 'Ann', '1990-01-01', 'x@y.io'])
      assert.equal(text.includes(pii), false, pii);
    const body = res.json();
    assert.equal(body.customerAttributes.city, 'Cairo');
    assert.deepEqual(body.customerAttributes.custom, { k: 1 });
    assert.equal(body.customerId, 'no-pii');
  });

  test('an unknown customerId reads as 404 code 7000 (customer not found)', async () => {
    for (const res of [await api.get('nobody'), await api.details('nobody')]) {
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 7000);
    }
  });
});
