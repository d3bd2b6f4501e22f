import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { client } from '../helpers/client.js';

const t = await buildTestApp();
const keys = await t.newAccount({ mergeBy: 'email', referralCompletion: 'firstOrder' });
const api = client(t.app, keys);
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
const validate = (query: string, apikey = keys.apiKey) =>
  t.app.inject({ method: 'GET', url: `/api/v4.0/integrations/referrals/validate?${query}`, headers: { apikey } });
const page = (id: string, query = '') =>
  t.app.inject({ method: 'GET', url: `${CUSTOMERS}/${id}/referrals${query}`, headers: auth });
const count = (id: string) => t.app.inject({ method: 'GET', url: `${CUSTOMERS}/${id}/referrals/count`, headers: auth });

await api.upsert({ customerId: 'ref-web', email: 'ref@x.io' });
await api.upsert({ customerId: 'ref-app', email: 'REF@x.io' });
const code = (await api.get('ref-web')).json().referralCode as string;

describe('GET /referrals/validate', () => {
  test('true for an active code of this account, case-insensitively', async () => {
    assert.deepEqual((await validate(`referrerCode=${code}`)).json(), { isValid: true });
    assert.equal((await validate(`referrerCode=${code.toLowerCase()}`)).json().isValid, true);
    assert.equal((await validate(`referrerCode=${code}&forCustomerId=someone-else`)).json().isValid, true);
  });

  test('false for unknown codes and for codes of another account', async () => {
    assert.equal((await validate('referrerCode=NOPE2345')).json().isValid, false);
    const other = await t.newAccount();
    assert.equal((await validate(`referrerCode=${code}`, other.apiKey)).json().isValid, false);
  });

  test('false for self-referral through any merged customerId', async () => {
    assert.equal((await validate(`referrerCode=${code}&forCustomerId=ref-web`)).json().isValid, false);
    assert.equal((await validate(`referrerCode=${code}&forCustomerId=ref-app`)).json().isValid, false);
  });

  test('a missing referrerCode → 400 code 3000', async () => {
    const res = await validate('forCustomerId=x');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 3000);
  });
});

describe('GET /customers/{id}/referrals and …/count', () => {
  const friends = 7;
  test('lists friends with their details and status, and counts by status', async () => {
    for (let i = 0; i < friends; i++) {
      await api.upsert({
        customerId: `friend-${i}`,
        email: `friend${i}@x.io`,
        mobile: `+2010000000${i}`,
        referrerCode: code,
        customerAttributes: { displayName: `Friend ${i}`, joinDate: '2024-03-01', totalOrders: i % 2 },
      });
    }
    const res = await page('ref-app');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.count, friends);
    assert.equal(body.hasMore, false);
    const first = body.referredFriends[0];
    assert.equal(first.customerId, 'friend-0');
    assert.equal(first.displayName, 'Friend 0');
    assert.equal(first.email, 'friend0@x.io');
    assert.equal(first.mobileNumber, '+20100000000');
    assert.equal(first.joinDate, '2024-03-01');
    assert.equal(first.status, 'Pending');
    assert.equal(body.referredFriends[1].status, 'Active');
    assert.deepEqual((await count('ref-web')).json(), { count: 7, totalPending: 4, totalActive: 3 });
  });

  test('pages by gameballId cursor in a stable order; new referrals arriving meanwhile cause no duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor = 0;
    for (let round = 0; ; round++) {
      const body = (await page('ref-web', `?limit=3&startAfter=${cursor}`)).json();
      seen.push(...body.referredFriends.map((f: { customerId: string }) => f.customerId));
      if (round === 0) await api.upsert({ customerId: 'late-friend', email: 'late@x.io', referrerCode: code });
      if (!body.hasMore) break;
      cursor = body.referredFriends.at(-1).gameballId;
    }
    assert.deepEqual(seen, [...Array.from({ length: friends }, (_, i) => `friend-${i}`), 'late-friend']);
  });

  test('limit defaults to 50 and is at most 200', async () => {
    await api.upsert({ customerId: 'busy', email: 'busy@x.io' });
    const busyCode = (await api.get('busy')).json().referralCode;
    for (let i = 0; i < 55; i++)
      await api.upsert({ customerId: `busy-friend-${i}`, email: `bf${i}@x.io`, referrerCode: busyCode });
    const firstPage = (await page('busy')).json();
    assert.equal(firstPage.count, 50);
    assert.equal(firstPage.hasMore, true);
    assert.equal((await page('busy', '?limit=200')).json().count, 55);
    const tooMany = await page('ref-web', '?limit=201');
    assert.equal(tooMany.statusCode, 422);
    assert.match(tooMany.json().message, /limit/);
    assert.equal((await page('ref-web', '?limit=0')).statusCode, 422);
  });

  test('needs the secretkey; unknown customer → 404', async () => {
    const noSecret = await t.app.inject({
      method: 'GET',
      url: `${CUSTOMERS}/ref-web/referrals`,
      headers: { apikey: keys.apiKey },
    });
    assert.equal(noSecret.json().code, 1001);
    assert.equal((await page('nobody')).statusCode, 404);
    assert.equal((await count('nobody')).statusCode, 404);
  });
});
