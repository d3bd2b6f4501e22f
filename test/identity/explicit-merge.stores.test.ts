import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, snapshot, type TestAccount } from '../helpers/app.js';
import { client, CUSTOMERS, send } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

const call = (keys: TestAccount, method: 'GET' | 'POST', path: string, payload?: unknown, secret = true) =>
  send(t.app, {
    method,
    url: `${CUSTOMERS}/${path}`,
    headers: { apikey: keys.apiKey, ...(secret && { secretkey: keys.secretKey }) },
    ...(payload !== undefined && { payload }),
  });

async function twoProfiles() {
  const keys = await t.newAccount({ mergeBy: 'email,mobile', defaultCountry: 'EG' });
  const api = client(t.app, keys);
  const survivor = (
    await api.upsert({
      customerId: 'ann',
      email: 'ann@shop.io',
      customerAttributes: { city: 'Cairo', custom: { tier: 'gold' } },
    })
  ).json().gameballId;
  const other = (
    await api.upsert({
      customerId: 'ann-old',
      mobile: '+201001234567',
      customerAttributes: { city: 'Giza', firstName: 'Ann', custom: { tier: 'silver', points: 5 } },
    })
  ).json().gameballId;
  return { keys, api, survivor, other };
}

describe(`POST …/customers/{customerId}/merge — explicit merge (${TEST_STORE})`, () => {
  test("the other's profile joins: survivor's values win, the rest comes over, keys move, the other's gameballId is retired", async () => {
    const { keys, api, survivor, other } = await twoProfiles();
    const oldCode = (await api.profile('ann-old')).referralCode as string;
    const referred = await api.upsert({ customerId: 'friend', email: 'friend@shop.io', referrerCode: oldCode });
    assert.equal(referred.statusCode, 200, referred.body);
    await call(keys, 'POST', 'ann-old/tags', { tags: 'VIP, newsletter' });
    await call(keys, 'POST', 'ann/tags', { tags: 'vip' });
    const res = await call(keys, 'POST', 'ann/merge', { customerId: 'ann-old' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { gameballId: survivor, retiredGameballId: other, customerIds: ['ann', 'ann-old'] });
    const merged = await api.profile('ann-old');
    assert.equal(merged.gameballId, survivor);
    assert.deepEqual([merged.email, merged.mobile], ['ann@shop.io', '+201001234567']);
    assert.deepEqual(
      [merged.customerAttributes.city, merged.customerAttributes.firstName, merged.customerAttributes.custom],
      ['Cairo', 'Ann', { tier: 'gold', points: 5 }],
    );
    assert.deepEqual(merged.customerAttributes.tags, ['vip', 'newsletter']);
    // The mobile came over as a key; the other's referral stays counted.
    assert.equal((await api.upsert({ customerId: 'app', mobile: '01001234567' })).json().gameballId, survivor);
    const referrals = await call(keys, 'GET', 'ann/referrals');
    assert.deepEqual(
      referrals.json().referredFriends.map((f: { customerId: string }) => f.customerId),
      ['friend'],
    );
    const history = (await call(keys, 'GET', 'ann/history?limit=2')).json().history;
    const entry = history.find((e: { operation: string }) => e.operation === 'explicit merge');
    assert.deepEqual([entry.customerId, entry.relatedGameballId], ['ann-old', other]);
    const identity = (await call(keys, 'GET', 'ann/identity')).json();
    const joined = identity.customerIds.find((s: { customerId: string }) => s.customerId === 'ann-old');
    assert.deepEqual([joined.joined, joined.from], ['explicit-merge', other]);
  });

  test('undone by unmerging the other customerId: it leaves with what came through it', async () => {
    const { keys, api, survivor } = await twoProfiles();
    assert.equal((await call(keys, 'POST', 'ann/merge', { customerId: 'ann-old' })).statusCode, 200);
    const split = await call(keys, 'POST', 'ann-old/unmerge');
    assert.equal(split.statusCode, 200, split.body);
    const stayed = await api.profile('ann');
    const left = await api.profile('ann-old');
    assert.equal(stayed.gameballId, survivor);
    assert.deepEqual([stayed.mobile, stayed.customerAttributes.firstName], [undefined, undefined]);
    assert.deepEqual([left.mobile, left.customerAttributes.firstName], ['+201001234567', 'Ann']);
  });

  test('a dry run writes nothing and tells the changes; a profile cannot merge with itself; both keys; unknown is 404', async () => {
    const { keys, api } = await twoProfiles();
    const before = await snapshot(t.store, keys.account.id);
    const dry = await call(keys, 'POST', 'ann/merge?dryRun=true', { customerId: 'ann-old' });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().dryRun, dry.json().outcome], [true, 'merge']);
    assert.ok(dry.json().changes.some((c: { field: string }) => c.field === 'mobile'));
    assert.deepEqual(await snapshot(t.store, keys.account.id), before, 'nothing written');
    await api.upsert({ customerId: 'ann-pos', email: 'ann@shop.io' });
    const unchanged = await snapshot(t.store, keys.account.id);
    const self = await call(keys, 'POST', 'ann/merge', { customerId: 'ann-pos' });
    assert.equal(self.statusCode, 422);
    assert.match(self.json().message, /cannot be merged with itself/);
    assert.equal((await call(keys, 'POST', 'ann/merge', { customerId: 'ann-old' }, false)).statusCode, 401);
    assert.equal((await call(keys, 'POST', 'ann/merge', { customerId: 'nobody' })).statusCode, 404);
    assert.deepEqual(await snapshot(t.store, keys.account.id), unchanged, 'refused merges wrote nothing');
  });
});
