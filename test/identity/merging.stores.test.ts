import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';

const t = await buildTestApp();

describe('POST /customers — channel merging by email', async () => {
  const api = client(t.app, await t.newAccount({ mergeBy: 'email' }));

  test('rule 3: an unknown customerId with an unknown email makes a new profile', async () => {
    const a = await api.upsert({ customerId: 'web-1', email: 'ann@x.io' });
    const b = await api.upsert({ customerId: 'web-2', email: 'bob@x.io' });
    assert.notEqual(a.json().gameballId, b.json().gameballId);
  });

  test('rule 2: an unknown customerId whose email (trimmed, any case) is known joins that profile', async () => {
    const web = await api.upsert({
      customerId: 'merge-web',
      email: 'Carol@Shop.io',
      customerAttributes: { city: 'Cairo' },
    });
    const pos = await api.upsert({
      customerId: 'merge-pos',
      email: '  carol@SHOP.io ',
      customerAttributes: { firstName: 'Carol' },
    });
    assert.equal(pos.statusCode, 200);
    assert.equal(pos.json().gameballId, web.json().gameballId);
    const p = await api.profile('merge-web');
    assert.equal(p.customerAttributes.city, 'Cairo');
    assert.equal(p.customerAttributes.firstName, 'Carol', "the merging request's fields are applied");
    assert.deepEqual(p.mergedCustomerIds, ['merge-web', 'merge-pos']);
  });

  test('any customerId of a merged profile reaches the same profile', async () => {
    const viaWeb = (await api.get('merge-web')).json();
    const viaPos = (await api.get('merge-pos')).json();
    assert.equal(viaWeb.gameballId, viaPos.gameballId);
    assert.equal(viaPos.customerId, 'merge-pos');
    await api.upsert({ customerId: 'merge-pos', customerAttributes: { city: 'Alexandria' } });
    assert.equal((await api.profile('merge-web')).customerAttributes.city, 'Alexandria');
  });

  test('rule 1: a known customerId keeps its profile and may change its email', async () => {
    const first = await api.upsert({ customerId: 'mover', email: 'old@x.io' });
    const second = await api.upsert({ customerId: 'mover', email: 'new@x.io' });
    assert.equal(second.json().gameballId, first.json().gameballId);
    // The old address is free again: a new customer may take it.
    const other = await api.upsert({ customerId: 'taker', email: 'old@x.io' });
    assert.notEqual(other.json().gameballId, first.json().gameballId);
  });

  test('rule 1: a known customerId with an email of another profile → 422 code 3008, nothing written', async () => {
    await api.upsert({ customerId: 'owner-a', email: 'a-owner@x.io' });
    await api.upsert({ customerId: 'owner-b', email: 'b-owner@x.io', customerAttributes: { city: 'Cairo' } });
    const before = await snapshot(t.store, api.accountId);
    const res = await api.upsert({
      customerId: 'owner-b',
      email: 'A-OWNER@x.io',
      customerAttributes: { city: 'Giza' },
    });
    assert.equal(res.statusCode, 422);
    const error = res.json();
    assert.equal(error.code, 3008);
    assert.match(error.message, /email "a-owner@x\.io"/, 'the message says which identifier collides');
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
  });

  test('the identifier falls back to customerAttributes.email', async () => {
    const a = await api.upsert({ customerId: 'attr-1', customerAttributes: { email: 'fallback@x.io' } });
    const b = await api.upsert({ customerId: 'attr-2', email: 'FALLBACK@x.io' });
    assert.equal(a.json().gameballId, b.json().gameballId);
  });

  test('the top-level email wins over customerAttributes.email', async () => {
    const a = await api.upsert({ customerId: 'top-1', email: 'top@x.io', customerAttributes: { email: 'other@x.io' } });
    const b = await api.upsert({ customerId: 'top-2', email: 'top@x.io' });
    assert.equal(a.json().gameballId, b.json().gameballId);
  });

  test('a new customer without an identifier → 400 code 3000 naming email, nothing written', async () => {
    const before = await snapshot(t.store, api.accountId);
    const res = await api.upsert({ customerId: 'no-email', customerAttributes: { city: 'Cairo' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 3000);
    assert.match(res.json().message, /email/);
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
  });

  test('a known customer may be updated without its identifier', async () => {
    await api.upsert({ customerId: 'known', email: 'known@x.io' });
    const res = await api.upsert({ customerId: 'known', customerAttributes: { city: 'Cairo' } });
    assert.equal(res.statusCode, 200);
    const profile = await api.profile('known');
    assert.deepEqual(
      [profile.email, profile.customerAttributes.city],
      ['known@x.io', 'Cairo'],
      'updated, and its email kept',
    );
  });

  test('emails are not merged across accounts', async () => {
    const other = client(t.app, await t.newAccount({ mergeBy: 'email' }));
    const a = await api.upsert({ customerId: 'iso-1', email: 'shared@x.io' });
    const b = await other.upsert({ customerId: 'iso-1', email: 'shared@x.io' });
    assert.notEqual(a.json().gameballId, b.json().gameballId);
  });
});

describe('POST /customers — channel merging by mobile (E.164)', async () => {
  const api = client(t.app, await t.newAccount({ mergeBy: 'mobile', defaultCountry: 'EG' }));

  test('a local number read in defaultCountry matches its international form', async () => {
    const a = await api.upsert({ customerId: 'm-1', mobile: '01001234567' });
    const b = await api.upsert({ customerId: 'm-2', mobile: '+20 100 123 4567' });
    const c = await api.upsert({ customerId: 'm-3', customerAttributes: { mobile: '00201001234567' } });
    assert.equal(a.json().gameballId, b.json().gameballId);
    assert.equal(a.json().gameballId, c.json().gameballId);
  });

  test('an unreadable mobile → 422 code 3003 naming mobile', async () => {
    const res = await api.upsert({ customerId: 'm-bad', mobile: '12' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 3003);
    assert.match(res.json().message, /mobile/);
  });

  test('a conflict names the mobile', async () => {
    await api.upsert({ customerId: 'm-x', mobile: '+201001112233' });
    await api.upsert({ customerId: 'm-y', mobile: '+201002223344' });
    const res = await api.upsert({ customerId: 'm-y', mobile: '01001112233' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 3008);
    assert.match(res.json().message, /mobile/);
  });

  test('a new customer without a mobile → 400 code 3000 naming mobile', async () => {
    const res = await api.upsert({ customerId: 'm-none', email: 'e@x.io' });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /mobile/);
  });
});

describe('POST /customers — merging off (mergeBy none)', async () => {
  const api = client(t.app, await t.newAccount());

  test('identity is the customerId alone: one email, two profiles', async () => {
    const a = await api.upsert({ customerId: 'n-1', email: 'same@x.io' });
    const b = await api.upsert({ customerId: 'n-2', email: 'same@x.io' });
    assert.notEqual(a.json().gameballId, b.json().gameballId);
  });

  test('an identifier is not required and not validated', async () => {
    const res = await api.upsert({ customerId: 'n-3', email: 'not an email' });
    assert.equal(res.statusCode, 200);
    assert.equal((await api.profile('n-3')).email, 'not an email', 'kept as sent');
  });
});

describe('gameballId', async () => {
  const api = client(t.app, await t.newAccount());

  test('is a positive integer that never changes', async () => {
    const first = (await api.upsert({ customerId: 'g-1' })).json().gameballId;
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await api.upsert({ customerId: 'g-1', customerAttributes: { totalOrders: i } })).json().gameballId,
        first,
      );
    assert.ok(Number.isInteger(first) && first > 0);
  });

  test('is never reused, even after the newest profile is deleted', async () => {
    const last = (await api.upsert({ customerId: 'g-last' })).json().gameballId;
    await t.store.db.deleteFrom('profiles').where('gameball_id', '=', last).execute();
    const next = (await api.upsert({ customerId: 'g-next' })).json().gameballId;
    assert.ok(next > last, `${next} should be above the deleted ${last}`);
  });
});
