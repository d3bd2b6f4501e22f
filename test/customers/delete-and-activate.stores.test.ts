import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, CUSTOMERS, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';

const t = await buildTestApp();
const keys = await t.newAccount({ mergeBy: 'email' });
const api = client(t.app, keys);
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
const del = (id: string, form: 'DELETE' | 'POST' = 'DELETE') =>
  t.app.inject(
    form === 'DELETE'
      ? { method: 'DELETE', url: `${CUSTOMERS}/${id}`, headers: auth }
      : { method: 'POST', url: `${CUSTOMERS}/${id}/delete`, headers: auth },
  );
const activate = (id: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url: `${CUSTOMERS}/${id}/activate`, headers: auth, payload: payload as object });
const validate = (code: string) =>
  t.app.inject({
    method: 'GET',
    url: `/api/v4.0/integrations/referrals/validate?referrerCode=${code}`,
    headers: { apikey: keys.apiKey },
  });

describe('DELETE /customers/{id} and POST /customers/{id}/delete', () => {
  test('removes the profile with every merged customerId, reached through any of them', async () => {
    const created = (
      await api.upsert({
        customerId: 'del-web',
        email: 'del@x.io',
        deviceToken: 'tok',
        customerAttributes: { firstName: 'Del' },
      })
    ).json();
    await api.upsert({ customerId: 'del-pos', email: 'DEL@x.io' });
    await t.app.inject({ method: 'POST', url: `${CUSTOMERS}/del-web/tags`, headers: auth, payload: { tags: 'vip' } });
    const res = await del('del-pos');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().success, true);
    for (const id of ['del-web', 'del-pos']) assert.equal((await api.get(id)).statusCode, 404);
    const rows = await t.store.db
      .selectFrom('profiles')
      .selectAll()
      .where('gameball_id', '=', created.gameballId)
      .execute();
    assert.equal(rows.length, 0, 'no PII, devices or tags remain');
    // The email is free again and the new profile gets a new gameballId.
    const again = (await api.upsert({ customerId: 'del-web', email: 'del@x.io' })).json();
    assert.ok(again.gameballId > created.gameballId);
  });

  test('the POST form does the same', async () => {
    await api.upsert({ customerId: 'del-post', email: 'post@x.io' });
    assert.equal((await del('del-post', 'POST')).statusCode, 200);
    assert.equal((await api.get('del-post')).statusCode, 404);
  });

  test('its referral code stops validating and is never handed out again', async () => {
    await api.upsert({ customerId: 'del-ref', email: 'ref@x.io' });
    const code = (await api.get('del-ref')).json().referralCode as string;
    assert.equal((await validate(code)).json().isValid, true);
    await del('del-ref');
    assert.equal((await validate(code)).json().isValid, false);
    const retired = await t.store.db
      .selectFrom('retired_referral_codes')
      .selectAll()
      .where('code', '=', code)
      .execute();
    assert.equal(retired.length, 1);
  });

  test("its referees keep isReferred; a referral it received leaves its referrer's lists and counts", async () => {
    await api.upsert({ customerId: 'top', email: 'top@x.io' });
    const topCode = (await api.get('top')).json().referralCode;
    await api.upsert({ customerId: 'middle', email: 'middle@x.io', referrerCode: topCode });
    const middleCode = (await api.get('middle')).json().referralCode;
    await api.upsert({ customerId: 'bottom', email: 'bottom@x.io', referrerCode: middleCode });

    await del('middle');
    assert.equal((await api.get('bottom')).json().isReferred, true);
    const count = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/top/referrals/count`, headers: auth });
    assert.deepEqual(count.json(), { count: 0, totalPending: 0, totalActive: 0 });
    const list = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/top/referrals`, headers: auth });
    assert.deepEqual(list.json().referredFriends, []);
  });

  test('unknown → 404 code 7000 (customer not found); the secretkey is required', async () => {
    const res = await del('nobody');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 7000);
    const noSecret = await t.app.inject({
      method: 'DELETE',
      url: `${CUSTOMERS}/nobody`,
      headers: { apikey: keys.apiKey },
    });
    assert.equal(noSecret.json().code, 1001);
  });

  test('a DELETE with Content-Type: application/json and no body is fine', async () => {
    await api.upsert({ customerId: 'del-ct', email: 'ct@x.io' });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `${CUSTOMERS}/del-ct`,
      headers: { ...auth, 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal((await api.get('del-ct')).json().code, 7000, 'the customer is gone');
  });
});

describe('PUT /customers/{id}/activate', () => {
  test('opts out and in, telling whether the state changed; idempotent', async () => {
    await api.upsert({ customerId: 'act', email: 'act@x.io' });
    assert.deepEqual((await activate('act', { isActive: false })).json(), {
      customerId: 'act',
      isActive: false,
      stateChanged: true,
    });
    assert.deepEqual((await activate('act', { isActive: false })).json(), {
      customerId: 'act',
      isActive: false,
      stateChanged: false,
    });
    assert.equal((await api.get('act')).json().isActive, false);
    assert.deepEqual((await activate('act', { isActive: true })).json(), {
      customerId: 'act',
      isActive: true,
      stateChanged: true,
    });
  });

  test('an inactive customer stays readable and updatable; its code does not validate or refer', async () => {
    await api.upsert({ customerId: 'sleepy', email: 'sleepy@x.io' });
    const code = (await api.get('sleepy')).json().referralCode;
    await activate('sleepy', { isActive: false });
    assert.equal((await api.upsert({ customerId: 'sleepy', customerAttributes: { city: 'Cairo' } })).statusCode, 200);
    const details = await api.profile('sleepy');
    assert.equal(details.isActive, false);
    assert.equal(details.customerAttributes.city, 'Cairo');
    assert.equal((await validate(code)).json().isValid, false);
    const referred = await api.upsert({ customerId: 'sleepy-friend', email: 'sf@x.io', referrerCode: code });
    assert.equal(referred.statusCode, 422);
    assert.equal(referred.json().code, 7006);
    assert.match(referred.json().message, /referrerCode/);
  });

  test('missing isActive → 400 code 3000; wrong type → 422 code 3003; nothing written', async () => {
    await api.upsert({ customerId: 'act-bad', email: 'actbad@x.io' });
    const before = await snapshot(t.store, api.accountId);
    const missing = await activate('act-bad', {});
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().code, 3000);
    assert.match(missing.json().message, /isActive/);
    const wrong = await activate('act-bad', { isActive: 'no' });
    assert.equal(wrong.statusCode, 422);
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
  });

  test('unknown → 404; through a merged customerId it reaches the profile', async () => {
    assert.equal((await activate('nobody', { isActive: true })).statusCode, 404);
    await api.upsert({ customerId: 'act-a', email: 'acta@x.io' });
    await api.upsert({ customerId: 'act-b', email: 'acta@x.io' });
    await activate('act-b', { isActive: false });
    assert.equal((await api.get('act-a')).json().isActive, false);
  });
});
