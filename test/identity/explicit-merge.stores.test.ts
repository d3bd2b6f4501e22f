import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, snapshot, type TestAccount } from '../helpers/app.js';
import { client, CUSTOMERS, send } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';
import { addSubscription } from '../../src/modules/webhooks/webhooks.service.js';
import { changeAccount } from '../../src/modules/accounts/accounts.service.js';

const t = await buildTestApp();

const call = (keys: TestAccount, method: 'GET' | 'POST' | 'DELETE', path: string, payload?: unknown, secret = true) =>
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

  test("recorded in both histories; each of the other's customerIds leaves with what came through it; erasure takes the retired profile too", async () => {
    const { keys, api, survivor, other } = await twoProfiles();
    // A second customerId joined the other profile by its mobile, and set a field and a tag of its own.
    const app = await api.upsert({
      customerId: 'ann-app',
      mobile: '+201001234567',
      customerAttributes: { lastName: 'Smith' },
    });
    assert.equal(app.json().gameballId, other);
    await call(keys, 'POST', 'ann-app/tags', { tags: 'app' });
    assert.equal((await call(keys, 'POST', 'ann/merge', { customerId: 'ann-old' })).statusCode, 200);

    const own = (await call(keys, 'GET', 'ann/history')).json();
    assert.equal(own.history[0].relatedGameballId, other);
    const retired = await call(keys, 'GET', `ann/history?mergedProfile=${other}`);
    assert.equal(retired.statusCode, 200, retired.body);
    const [last, ...older] = retired.json().history;
    assert.equal(retired.json().gameballId, other);
    assert.deepEqual(
      [last.operation, last.relatedGameballId, last.changes],
      ['explicit merge', survivor, [{ field: 'customerIds', before: ['ann-old', 'ann-app'], after: [] }]],
    );
    assert.ok(older.some((e: { customerId: string; operation: string }) => e.customerId === 'ann-app'));
    const stranger = await call(keys, 'GET', `ann/history?mergedProfile=${survivor}`);
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 4004]);
    const exported = (await call(keys, 'GET', 'ann/export')).json();
    assert.deepEqual(
      exported.mergedProfiles.map((m: { gameballId: number; retiredInto: number }) => [m.gameballId, m.retiredInto]),
      [[other, survivor]],
    );

    // ann-app leaves with its last name and tag; what came through ann-old stays.
    assert.equal((await call(keys, 'POST', 'ann-app/unmerge')).statusCode, 200);
    const appAlone = await api.profile('ann-app');
    assert.deepEqual([appAlone.customerAttributes.lastName, appAlone.customerAttributes.tags], ['Smith', ['app']]);
    let stayed = await api.profile('ann');
    assert.deepEqual(
      [
        stayed.customerAttributes.lastName,
        stayed.customerAttributes.firstName,
        stayed.mobile,
        stayed.customerAttributes.tags,
      ],
      [undefined, 'Ann', '+201001234567', []],
    );
    // ann-old leaves with the rest: the survivor is as it was before the merge.
    assert.equal((await call(keys, 'POST', 'ann-old/unmerge')).statusCode, 200);
    stayed = await api.profile('ann');
    assert.deepEqual(
      [stayed.email, stayed.mobile, stayed.customerAttributes.city, stayed.customerAttributes.firstName],
      ['ann@shop.io', undefined, 'Cairo', undefined],
    );
    assert.deepEqual(stayed.customerAttributes.custom, { tier: 'gold' });
    const oldAlone = await api.profile('ann-old');
    assert.deepEqual(
      [oldAlone.mobile, oldAlone.customerAttributes.city, oldAlone.customerAttributes.custom],
      ['+201001234567', 'Giza', { tier: 'silver', points: 5 }],
    );

    // Erasing the survivor erases the retired profile's state and history with it.
    assert.equal((await call(keys, 'DELETE', 'ann')).statusCode, 200);
    const left = await t.store.db.selectFrom('profile_history').select('id').where('gameball_id', '=', other).execute();
    assert.deepEqual(left, []);
    const tombstones = await t.store.db
      .selectFrom('retired_profiles')
      .select('gameball_id')
      .where('account_id', '=', keys.account.id)
      .execute();
    assert.deepEqual(tombstones, []);
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

  test("the other's referral code is retired, customer.merged says explicit, the cap does not apply, a blocked value does not come over as a key", async () => {
    const keys = await t.newAccount({
      mergeBy: 'email,mobile',
      defaultCountry: 'EG',
      mergeCap: 1,
      defaultMergeBlocks: false,
    });
    const api = client(t.app, keys);
    await addSubscription(t.store, keys.account.id, 'https://example.com/hooks', ['customer.merged']);
    const survivor = (await api.upsert({ customerId: 'keep', mobile: '+201001234567' })).json().gameballId;
    await api.upsert({ customerId: 'gone', email: 'noemail@shop.io' });
    const code = (await api.profile('gone')).referralCode as string;
    // The other holds the junk email as its key (the built-in list was off); then the list is switched on.
    await changeAccount(t.store, keys.account.id, { defaultMergeBlocks: true });
    // The survivor is at the cap (1 customerId): a person's merge is not an implicit one.
    const merged = await call(keys, 'POST', 'keep/merge', { customerId: 'gone' });
    assert.equal(merged.statusCode, 200, merged.body);
    const referred = await api.upsert({ customerId: 'late', mobile: '+201009876543', referrerCode: code });
    assert.equal(referred.json().code, 7003, 'a retired code names no one');
    const events = await t.store.db
      .selectFrom('webhook_events')
      .select(['topic', 'payload'])
      .where('account_id', '=', keys.account.id)
      .execute();
    const payload = JSON.parse(events.find((e) => e.topic === 'customer.merged')!.payload);
    assert.deepEqual([payload.data.merged_by, payload.data.merged_customer_id], ['explicit', 'gone']);
    // noemail@shop.io came over as a plain value, not as the survivor's key; a new customer sending it joins no one.
    assert.equal((await api.profile('keep')).email, 'noemail@shop.io');
    const email = (await call(keys, 'GET', 'keep/identity'))
      .json()
      .identifiers.find((i: { kind: string }) => i.kind === 'email');
    assert.deepEqual([email.mergeKey, email.reason], [false, 'blocked-value']);
    assert.notEqual(
      (await api.upsert({ customerId: 'walk-in', email: 'noemail@shop.io' })).json().gameballId,
      survivor,
    );
  });
});
