import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, CUSTOMERS, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';

const t = await buildTestApp();
const keys = await t.newAccount({ mergeBy: 'email' });
const api = client(t.app, keys);
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
const attach = (id: string, tags: unknown) =>
  t.app.inject({ method: 'POST', url: `${CUSTOMERS}/${id}/tags`, headers: auth, payload: { tags } as object });
const remove = (id: string, tags: unknown) =>
  t.app.inject({ method: 'DELETE', url: `${CUSTOMERS}/${id}/tags`, headers: auth, payload: { tags } as object });
const removeOne = (id: string, tag: string) =>
  t.app.inject({ method: 'DELETE', url: `${CUSTOMERS}/${id}/tags/${encodeURIComponent(tag)}`, headers: auth });
const tagsOf = async (id: string) => ((await api.get(id)).json().customerAttributes as { tags: string[] }).tags;

describe('customer tags', () => {
  test('attached from a comma list: trimmed, case kept, shown by GET and details', async () => {
    await api.upsert({ customerId: 't-1', email: 't1@x.io' });
    const res = await attach('t-1', ' gamer ,  High Spender,vip ');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().success, true);
    assert.deepEqual(await tagsOf('t-1'), ['gamer', 'High Spender', 'vip']);
    assert.deepEqual((await api.profile('t-1')).customerAttributes.tags, ['gamer', 'High Spender', 'vip']);
  });

  test('attaching an existing tag, in any case, is a no-op', async () => {
    await attach('t-1', 'GAMER, Vip');
    assert.deepEqual(await tagsOf('t-1'), ['gamer', 'High Spender', 'vip']);
  });

  test('removed by list or one by one, compared case-insensitively; an absent tag is ignored', async () => {
    assert.equal((await remove('t-1', 'high spender, nope')).statusCode, 200);
    assert.deepEqual(await tagsOf('t-1'), ['gamer', 'vip']);
    assert.equal((await removeOne('t-1', 'VIP')).statusCode, 200);
    assert.deepEqual(await tagsOf('t-1'), ['gamer']);
  });

  test('tags survive profile updates and reach merged customerIds', async () => {
    await api.upsert({ customerId: 't-1', customerAttributes: { city: 'Cairo' } });
    await api.upsert({ customerId: 't-1-pos', email: 'T1@x.io' });
    assert.deepEqual(await tagsOf('t-1-pos'), ['gamer']);
    await attach('t-1-pos', 'pos');
    assert.deepEqual(await tagsOf('t-1'), ['gamer', 'pos']);
  });

  test('a tag over 50 characters, an empty list, or more than 100 per profile → 422 code 3003, nothing written', async () => {
    await api.upsert({ customerId: 't-2', email: 't2@x.io' });
    await attach('t-2', Array.from({ length: 99 }, (_, i) => `tag${i}`).join(','));
    const before = await snapshot(t.store, api.accountId);
    for (const bad of ['x'.repeat(51), ' , ,', 'one-more, and-another']) {
      const res = await attach('t-2', bad);
      assert.equal(res.statusCode, 422, bad);
      assert.equal(res.json().code, 3003);
      assert.match(res.json().message, /tags/);
    }
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
    assert.equal((await attach('t-2', 'the-hundredth')).statusCode, 200);
    assert.equal((await tagsOf('t-2')).length, 100);
  });

  test('missing tags → 400 code 3000; wrong type → 422; unknown customer → 404; secretkey required', async () => {
    const missing = await t.app.inject({ method: 'POST', url: `${CUSTOMERS}/t-1/tags`, headers: auth, payload: {} });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().code, 3000);
    assert.equal((await attach('t-1', ['a'])).statusCode, 422);
    assert.equal((await attach('nobody', 'a')).statusCode, 404);
    const noSecret = await t.app.inject({
      method: 'POST',
      url: `${CUSTOMERS}/t-1/tags`,
      headers: { apikey: keys.apiKey },
      payload: { tags: 'a' },
    });
    assert.equal(noSecret.json().code, 1001);
  });

  test('overlapping tag changes lose none', async () => {
    await api.upsert({ customerId: 't-3', email: 't3@x.io' });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => attach('t-3', `c${i}`)));
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      Array(40).fill(200),
    );
    assert.equal((await tagsOf('t-3')).length, 40);
  });
});
