import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, type TestAccount } from '../helpers/app.js';
import { client, send } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';
import { scoreRound, scanAccount } from '../../src/modules/duplicates/index.js';
import { changeAccount } from '../../src/modules/accounts/accounts.service.js';

const t = await buildTestApp();
const DUPLICATES = '/api/v4.0/integrations/duplicates';

/** This file's accounts: the store is shared with other files, whose queued profiles are not ours to score. */
const mine: string[] = [];

/** Scores everything this file's accounts queued, as the worker's rounds would. */
async function drain(): Promise<void> {
  for (const accountId of mine) while ((await scoreRound(t.store, { accountId })) > 0);
}

const call = (keys: TestAccount, method: 'GET' | 'POST', url: string, secret = true) =>
  send(t.app, { method, url, headers: { apikey: keys.apiKey, ...(secret && { secretkey: keys.secretKey }) } });

async function open(keys: TestAccount, query = '') {
  const res = await call(keys, 'GET', `${DUPLICATES}${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().suggestions as Array<{
    id: number;
    score: number;
    features: string[];
    status: string;
    decidedBy: string | null;
    profiles: Array<{ gameballId: number; customerIds: string[]; email: string | null }>;
  }>;
}

/** Ann twice (a typo, the national form of her mobile, her email with a dot) and a namesake. */
async function annTwice(settings = {}) {
  const keys = await t.newAccount({ mergeBy: 'none', ...settings });
  mine.push(keys.account.id);
  const api = client(t.app, keys);
  const ann = { firstName: 'Mariam', lastName: 'El-Sayed', dateOfBirth: '1990-04-12', city: 'Cairo' };
  const a = (
    await api.upsert({
      customerId: 'web-1',
      email: 'mariam.elsayed@gmail.com',
      mobile: '+201001234567',
      customerAttributes: ann,
    })
  ).json();
  const b = (
    await api.upsert({
      customerId: 'pos-7',
      email: 'mariamelsayed@gmail.com',
      mobile: '01001234567',
      customerAttributes: { ...ann, firstName: 'Maryam', lastName: 'Elsayed' },
    })
  ).json();
  // Same common name, another person: another email, mobile, birthday and city.
  await api.upsert({
    customerId: 'web-2',
    email: 'm.sayed@yahoo.com',
    mobile: '+201229876543',
    customerAttributes: { firstName: 'Mariam', lastName: 'El-Sayed', dateOfBirth: '1984-11-02', city: 'Alexandria' },
  });
  return { keys, api, a: a.gameballId as number, b: b.gameballId as number };
}

describe(`possible duplicates (${TEST_STORE})`, () => {
  test('a duplicate created through the API becomes one open suggestion with what matched; the namesake does not; nothing is merged', async () => {
    const { keys, api, a, b } = await annTwice();
    await drain();
    const found = await open(keys);
    assert.equal(found.length, 1, JSON.stringify(found));
    const [s] = found;
    assert.deepEqual(
      s!.profiles.map((p) => p.gameballId),
      [a, b].sort((x, y) => x - y),
    );
    assert.ok(s!.score >= 0.8 && s!.score <= 1, String(s!.score));
    for (const feature of ['email-exact', 'mobile-exact', 'date-of-birth'])
      assert.ok(s!.features.includes(feature), `${feature} in ${s!.features}`);
    assert.equal((await api.profile('web-1')).gameballId, a, 'never merged by itself');
    assert.equal((await api.profile('pos-7')).gameballId, b);
    // Scored again (a change to a matched field of one side): still one suggestion for the pair.
    await api.upsert({ customerId: 'pos-7', customerAttributes: { city: 'Giza' } });
    await drain();
    assert.equal((await open(keys)).length, 1);
    assert.equal((await call(keys, 'GET', DUPLICATES, false)).statusCode, 401, 'both keys');
  });

  test("the account's threshold decides what is suggested; minScore filters, startAfter and limit page", async () => {
    const { keys, api } = await annTwice();
    // Alike by name and an email local part that is not the names: about 0.96.
    const zed = { firstName: 'Zed', lastName: 'Qabbani' };
    await api.upsert({ customerId: 'zed-1', email: 'zed.bakes@gmail.com', customerAttributes: zed });
    await api.upsert({ customerId: 'zed-2', email: 'zedbakes@yahoo.com', customerAttributes: zed });
    await drain();
    const all = await open(keys);
    assert.equal(all.length, 2, JSON.stringify(all));
    const weaker = all.find((x) => x.profiles.some((p) => p.customerIds.includes('zed-1')))!;
    assert.ok(weaker.score >= 0.8 && weaker.score < 0.99, String(weaker.score));
    assert.equal((await open(keys, '?minScore=0.99')).length, 1);
    const first = await call(keys, 'GET', `${DUPLICATES}?limit=1`);
    assert.deepEqual([first.json().count, first.json().hasMore], [1, true]);
    const next = await call(keys, 'GET', `${DUPLICATES}?limit=1&startAfter=${first.json().suggestions[0].id}`);
    assert.deepEqual([next.json().count, next.json().hasMore], [1, false]);
    assert.notEqual(next.json().suggestions[0].id, first.json().suggestions[0].id);

    // A stricter account: the same pairs, only the surer one is suggested.
    const strict = await annTwice({ duplicateThreshold: 0.99 });
    await strict.api.upsert({ customerId: 'zed-1', email: 'zed.bakes@gmail.com', customerAttributes: zed });
    await strict.api.upsert({ customerId: 'zed-2', email: 'zedbakes@yahoo.com', customerAttributes: zed });
    await drain();
    const sure = await open(strict.keys);
    assert.equal(sure.length, 1);
    assert.ok(sure[0]!.profiles.some((p) => p.customerIds.includes('web-1')));
  });

  test('dismissed: recorded in both histories, and back only when a matched field changes', async () => {
    const { keys, api } = await annTwice();
    await drain();
    const [s] = await open(keys);
    const dismissed = await call(keys, 'POST', `${DUPLICATES}/${s!.id}/dismiss`);
    assert.equal(dismissed.statusCode, 200, dismissed.body);
    assert.deepEqual([dismissed.json().status, dismissed.json().decidedBy], ['dismissed', 'api']);
    for (const customerId of ['web-1', 'pos-7']) {
      const history = (
        await call(keys, 'GET', `/api/v4.0/integrations/customers/${customerId}/history?limit=1`)
      ).json();
      assert.equal(history.history[0].operation, 'duplicate dismissed');
    }
    const again = await call(keys, 'POST', `${DUPLICATES}/${s!.id}/dismiss`);
    assert.deepEqual([again.statusCode, again.json().code], [409, 4024]);
    // A field scored on that did not match changes (the display name, with both names given): still dismissed.
    await api.upsert({ customerId: 'pos-7', customerAttributes: { displayName: 'Mimi', totalOrders: 3 } });
    await drain();
    assert.equal((await open(keys)).length, 0);
    assert.equal((await open(keys, '?status=dismissed')).length, 1);
    // A matched field changes (the email, to another domain): the pair is back, once.
    await api.upsert({ customerId: 'pos-7', email: 'mariam.elsayed@hotmail.com' });
    await drain();
    const back = await open(keys);
    assert.deepEqual([back.length, back[0]!.id], [1, s!.id]);
  });

  test('merged through the queue: an explicit merge of the pair (more customerIds survive), marked merged, not twice', async () => {
    const { keys, api, a, b } = await annTwice();
    await drain();
    const [s] = await open(keys);
    const merged = await call(keys, 'POST', `${DUPLICATES}/${s!.id}/merge`);
    assert.equal(merged.statusCode, 200, merged.body);
    assert.deepEqual(
      [merged.json().gameballId, merged.json().retiredGameballId],
      [a, b],
      'equal customerIds: the older survives',
    );
    assert.equal((await api.profile('pos-7')).gameballId, a);
    const done = await open(keys, '?status=merged');
    assert.deepEqual([done.length, done[0]!.decidedBy], [1, 'api']);
    const twice = await call(keys, 'POST', `${DUPLICATES}/${s!.id}/merge`);
    assert.deepEqual([twice.statusCode, twice.json().code], [409, 4024]);
    await drain();
    assert.equal((await open(keys, '?status=merged')).length, 1, 'the retired side closing changes nothing');
    const history = (await call(keys, 'GET', '/api/v4.0/integrations/customers/web-1/history?limit=1')).json();
    assert.equal(history.history[0].operation, 'explicit merge');
    // Unmerged again: a person decided they are two, so the pair is not suggested anew.
    assert.equal((await call(keys, 'POST', '/api/v4.0/integrations/customers/pos-7/unmerge')).statusCode, 200);
    await drain();
    const again = await open(keys);
    assert.ok(
      again.every((x) => !x.profiles.some((p) => p.customerIds.includes('pos-7'))),
      JSON.stringify(again),
    );
  });

  test('a delete of either side closes the suggestion; an explicit merge of the pair marks it merged', async () => {
    const first = await annTwice();
    await drain();
    assert.equal((await open(first.keys)).length, 1);
    assert.equal(
      (
        await send(t.app, {
          method: 'DELETE',
          url: '/api/v4.0/integrations/customers/pos-7',
          headers: { apikey: first.keys.apiKey, secretkey: first.keys.secretKey },
        })
      ).statusCode,
      200,
    );
    await drain();
    assert.equal((await open(first.keys)).length, 0);

    const second = await annTwice();
    await drain();
    const merge = await send(t.app, {
      method: 'POST',
      url: '/api/v4.0/integrations/customers/web-1/merge',
      headers: { apikey: second.keys.apiKey, secretkey: second.keys.secretKey },
      payload: { customerId: 'pos-7' },
    });
    assert.equal(merge.statusCode, 200, merge.body);
    await drain();
    const merged = await open(second.keys, '?status=merged');
    assert.deepEqual([merged.length, merged[0]!.decidedBy], [1, 'explicit merge']);
  });

  test('switched off, writes queue nothing; switched on, scan scores the existing profiles', async () => {
    const { keys } = await annTwice({ duplicateDetection: false });
    await drain();
    assert.equal((await open(keys)).length, 0);
    await changeAccount(t.store, keys.account.id, { duplicateDetection: true });
    const progress: number[] = [];
    const result = await scanAccount(t.store, keys.account.id, ({ scored }) => progress.push(scored));
    assert.deepEqual([result.scored, result.total], [3, 3]);
    assert.ok(progress.length > 0);
    assert.equal((await open(keys)).length, 1);
  });

  test("switched off later, a deleted profile's keys and suggestions still go (they hold parts of its email and mobile); scan refuses", async () => {
    const { keys, b } = await annTwice();
    await drain();
    assert.equal((await open(keys)).length, 1);
    await changeAccount(t.store, keys.account.id, { duplicateDetection: false });
    const gone = await send(t.app, {
      method: 'DELETE',
      url: '/api/v4.0/integrations/customers/pos-7',
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
    });
    assert.equal(gone.statusCode, 200);
    await drain();
    assert.equal((await open(keys)).length, 0);
    const left = await t.store.db.selectFrom('duplicate_keys').select('key').where('gameball_id', '=', b).execute();
    assert.deepEqual(left, []);
    await assert.rejects(scanAccount(t.store, keys.account.id), /duplicateDetection/);
  });

  test('bad input is named and writes nothing', async () => {
    const keys = await t.newAccount({});
    const status = await call(keys, 'GET', `${DUPLICATES}?status=maybe`);
    assert.equal(status.statusCode, 422, status.body);
    assert.match(status.json().message, /status/);
    const missing = await call(keys, 'POST', `${DUPLICATES}/999999/merge`);
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 4004]);
    await assert.rejects(changeAccount(t.store, keys.account.id, { duplicateThreshold: 1.5 }), /duplicateThreshold/);
  });
});
