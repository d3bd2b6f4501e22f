import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestServer } from '../helpers/server.js';
import { client } from '../helpers/client.js';

// A connection per request of a burst: each holds one while it waits on the customer's or the
// identifier's lock, and a request that waited over 5 s for a connection would be a 503 (the pool's
// connect timeout) on a loaded machine: that is the pool's limit, not what is tested here.
const server = await startTestServer({ poolSize: 110 });

describe('overlapping requests over HTTP end as some serial order would', () => {
  test('100 updates of one customerId, each setting its own custom key → all 200, one profile, 100 keys', async () => {
    const api = client(server.baseUrl, await server.newAccount());
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.upsert({ customerId: 'hot', customerAttributes: { custom: { [`key${i}`]: i } } }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      Array(100).fill(200),
    );
    assert.equal(new Set(answers.map((a) => a.json().gameballId)).size, 1);
    const custom = ((await api.details('hot')).json().customerAttributes as { custom: Record<string, number> }).custom;
    assert.equal(Object.keys(custom).length, 100);
    for (let i = 0; i < 100; i++) assert.equal(custom[`key${i}`], i);
  });

  test('100 creates with different customerIds and one email (mergeBy email, no merge cap) → all 200, one profile', async () => {
    const keys = await server.newAccount({ mergeBy: 'email', mergeCap: 0 });
    const api = client(server.baseUrl, keys);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.upsert({ customerId: `channel-${i}`, email: i % 2 ? 'One@Shop.io' : 'one@shop.io ' }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      Array(100).fill(200),
    );
    assert.equal(new Set(answers.map((a) => a.json().gameballId)).size, 1);
    const details = (await api.details('channel-0')).json();
    assert.equal((details.mergedCustomerIds as string[]).length, 100);
    const profiles = await server.store.db
      .selectFrom('profiles')
      .select('gameball_id')
      .where('account_id', '=', keys.account.id)
      .execute();
    assert.equal(profiles.length, 1);
  });

  test('50 creates using one referrer code → all 200 and 50 referrals', async () => {
    const keys = await server.newAccount();
    const api = client(server.baseUrl, keys);
    await api.upsert({ customerId: 'popular' });
    const referrer = (await api.get('popular')).json();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.upsert({ customerId: `friend-${i}`, referrerCode: referrer.referralCode }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      Array(50).fill(200),
    );
    const referrals = await server.store.db
      .selectFrom('referrals')
      .select('referee_gameball_id')
      .where('referrer_gameball_id', '=', referrer.gameballId as number)
      .execute();
    assert.equal(referrals.length, 50);
    assert.equal(new Set(referrals.map((r) => r.referee_gameball_id)).size, 50);
  });

  test('overlapping creates of one new customerId make one profile', async () => {
    const api = client(server.baseUrl, await server.newAccount());
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.upsert({ customerId: 'brand-new', customerAttributes: { totalOrders: i } }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      Array(50).fill(200),
    );
    assert.equal(new Set(answers.map((a) => a.json().gameballId)).size, 1);
  });
});
