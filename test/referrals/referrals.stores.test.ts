import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, snapshot } from '../helpers/app.js';
import { client, type Client } from '../helpers/client.js';
import type { Store } from '../../src/db/connect.js';

const t = await buildTestApp();

const CODE = /^[2-9A-HJ-NP-Z]{6,12}$/;

async function referralsOf(store: Store, api: Client, referrerCustomerId: string) {
  const referrer = (await api.get(referrerCustomerId)).json();
  return store.db.selectFrom('referrals').selectAll().where('referrer_gameball_id', '=', referrer.gameballId).execute();
}

async function codeOf(api: Client, customerId: string): Promise<string> {
  return (await api.get(customerId)).json().referralCode;
}

describe('referral codes and links', async () => {
  const api = client(t.app, await t.newAccount({ referralLinkBase: 'https://shop.example/invite' }));

  test('a registered profile gets a 6–12 character code without look-alikes, and a link', async () => {
    await api.upsert({ customerId: 'r-1' });
    const read = (await api.get('r-1')).json();
    assert.match(read.referralCode, CODE);
    assert.equal(read.referralLink, `https://shop.example/invite?referralCode=${read.referralCode}`);
  });

  test('codes are unique within the account', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      await api.upsert({ customerId: `unique-${i}` });
      codes.add(await codeOf(api, `unique-${i}`));
    }
    assert.equal(codes.size, 50);
  });

  test('a code never changes', async () => {
    const before = await codeOf(api, 'r-1');
    await api.upsert({ customerId: 'r-1', customerAttributes: { city: 'Cairo' } });
    assert.equal(await codeOf(api, 'r-1'), before);
  });

  test('a guest has no code until it registers', async () => {
    await api.upsert({ customerId: 'guest-1', guest: true });
    assert.equal((await api.get('guest-1')).json().referralCode, undefined);
    await api.upsert({ customerId: 'guest-1', guest: false });
    assert.match(await codeOf(api, 'guest-1'), CODE);
  });

  test('a link keeps the query the base already has', async () => {
    const other = client(t.app, await t.newAccount({ referralLinkBase: 'https://shop.example/join?lang=ar' }));
    await other.upsert({ customerId: 'q-1' });
    const read = (await other.get('q-1')).json();
    assert.equal(read.referralLink, `https://shop.example/join?lang=ar&referralCode=${read.referralCode}`);
  });
});

describe('referrerCode', async () => {
  const api = client(t.app, await t.newAccount({ referralCompletion: 'firstOrder' }));
  await api.upsert({ customerId: 'referrer' });
  const code = await codeOf(api, 'referrer');

  test('on creation it records a Pending referral and marks the referee referred', async () => {
    await api.upsert({ customerId: 'friend-1', referrerCode: code });
    const rows = await referralsOf(t.store, api, 'referrer');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'Pending');
    assert.equal((await api.get('friend-1')).json().isReferred, true);
    assert.equal((await api.get('referrer')).json().isReferred, false);
  });

  test('codes are read case-insensitively', async () => {
    const res = await api.upsert({ customerId: 'friend-lower', referrerCode: code.toLowerCase() });
    assert.equal(res.statusCode, 200);
    assert.equal((await api.get('friend-lower')).json().isReferred, true);
  });

  test('on any other update it is ignored, so a retried create never double-counts', async () => {
    const before = (await referralsOf(t.store, api, 'referrer')).length;
    await api.upsert({ customerId: 'friend-1', referrerCode: code });
    await api.upsert({ customerId: 'friend-1', referrerCode: 'UNKNOWN99' });
    assert.equal((await referralsOf(t.store, api, 'referrer')).length, before);
  });

  test('an unknown code → 404 code 7003 naming referrerCode, nothing written', async () => {
    const before = await snapshot(t.store, api.accountId);
    const res = await api.upsert({ customerId: 'friend-x', referrerCode: 'ZZZZZZZZ' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 7003);
    assert.match(res.json().message, /referrerCode/);
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
  });

  test('a code of another account is unknown here', async () => {
    const other = client(t.app, await t.newAccount());
    await other.upsert({ customerId: 'elsewhere' });
    const foreign = await codeOf(other, 'elsewhere');
    const res = await api.upsert({ customerId: 'friend-foreign', referrerCode: foreign });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 7003);
  });

  test('self-referral (through a merged customerId too) → 422 code 7006, nothing written', async () => {
    const merging = client(t.app, await t.newAccount({ mergeBy: 'email' }));
    await merging.upsert({ customerId: 'self-web', email: 'self@x.io' });
    const own = await codeOf(merging, 'self-web');
    await merging.upsert({ customerId: 'self-web', guest: true });
    const before = await snapshot(t.store, merging.accountId);
    // A new channel id joins the guest profile and registers it with the profile's own code.
    const res = await merging.upsert({ customerId: 'self-app', email: 'SELF@x.io', guest: false, referrerCode: own });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 7006);
    assert.match(res.json().message, /referrerCode/);
    assert.deepEqual(await snapshot(t.store, merging.accountId), before);
  });

  test('registering a guest with no referrer honours the code', async () => {
    await api.upsert({ customerId: 'guest-ref', guest: true });
    await api.upsert({ customerId: 'guest-ref', guest: false, referrerCode: code });
    assert.equal((await api.get('guest-ref')).json().isReferred, true);
  });

  test('a guest update that does not register it ignores the code', async () => {
    await api.upsert({ customerId: 'guest-stay', guest: true });
    await api.upsert({ customerId: 'guest-stay', referrerCode: code });
    assert.equal((await api.get('guest-stay')).json().isReferred, false);
  });

  test('registering a guest that already has a referrer keeps the first referral', async () => {
    await api.upsert({ customerId: 'other-referrer' });
    const otherCode = await codeOf(api, 'other-referrer');
    await api.upsert({ customerId: 'guest-twice', guest: true, referrerCode: code });
    await api.upsert({ customerId: 'guest-twice', guest: false, referrerCode: otherCode });
    assert.equal((await referralsOf(t.store, api, 'other-referrer')).length, 0);
  });
});

describe('referral completion', async () => {
  test("firstOrder: Pending until the referee's totalOrders first reaches 1, then Active", async () => {
    const api = client(t.app, await t.newAccount({ referralCompletion: 'firstOrder' }));
    await api.upsert({ customerId: 'ref' });
    const code = await codeOf(api, 'ref');
    await api.upsert({ customerId: 'fo-1', referrerCode: code, customerAttributes: { totalOrders: 0 } });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Pending');
    await api.upsert({ customerId: 'fo-1', customerAttributes: { city: 'Cairo' } });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Pending');
    await api.upsert({ customerId: 'fo-1', customerAttributes: { totalOrders: 1 } });
    const [row] = await referralsOf(t.store, api, 'ref');
    assert.equal(row!.status, 'Active');
    assert.ok(row!.completed_at);
    await api.upsert({ customerId: 'fo-1', customerAttributes: { totalOrders: 0 } });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Active', 'completion is never undone');
  });

  test('firstOrder: a referee created with orders is Active at once', async () => {
    const api = client(t.app, await t.newAccount({ referralCompletion: 'firstOrder' }));
    await api.upsert({ customerId: 'ref' });
    await api.upsert({
      customerId: 'fo-2',
      referrerCode: await codeOf(api, 'ref'),
      customerAttributes: { totalOrders: 2 },
    });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Active');
  });

  test('signup: Active at registration', async () => {
    const api = client(t.app, await t.newAccount({ referralCompletion: 'signup' }));
    await api.upsert({ customerId: 'ref' });
    await api.upsert({ customerId: 'su-1', referrerCode: await codeOf(api, 'ref') });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Active');
  });

  test('signup: a guest referee stays Pending until it registers', async () => {
    const api = client(t.app, await t.newAccount({ referralCompletion: 'signup' }));
    await api.upsert({ customerId: 'ref' });
    await api.upsert({ customerId: 'su-guest', guest: true, referrerCode: await codeOf(api, 'ref') });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Pending');
    await api.upsert({ customerId: 'su-guest', guest: false });
    assert.equal((await referralsOf(t.store, api, 'ref'))[0]!.status, 'Active');
  });
});
