import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountSettings } from '../../src/modules/accounts/accounts.types.js';
import { buildApp } from '../../src/app.js';
import { connect, type Store } from '../../src/db/connect.js';
import { buildTestApp, type TestAccount } from '../helpers/app.js';
import { client, CUSTOMERS, send } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

async function account(settings: Partial<AccountSettings> = {}) {
  const keys = await t.newAccount({ mergeBy: 'email,mobile', defaultCountry: 'EG', ...settings });
  return { keys, api: client(t.app, keys) };
}

const get = (keys: TestAccount, path: string, secret = true) =>
  send(t.app, {
    method: 'GET',
    url: `${CUSTOMERS}/${path}`,
    headers: { apikey: keys.apiKey, ...(secret && { secretkey: keys.secretKey }) },
  });

async function identity(keys: TestAccount, customerId: string) {
  const res = await get(keys, `${encodeURIComponent(customerId)}/identity`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function compare(keys: TestAccount, a: string, b: string) {
  const res = await get(keys, `${encodeURIComponent(a)}/identity/compare?with=${encodeURIComponent(b)}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { sameProfile: boolean; reasons: Array<{ code: string; message: string }> };
}

describe(`explanations: GET …/identity and …/identity/compare (${TEST_STORE})`, () => {
  test('how each customerId joined and through which request; which identifiers are keys; an unmerge on both sides', async () => {
    const { keys, api } = await account();
    await api.upsert(
      { customerId: 'web', email: 'ann@shop.io', mobile: '+201001234567' },
      { apikey: keys.apiKey, 'x-request-id': 'req-web' },
    );
    await api.upsert({ customerId: 'pos', email: 'ANN@shop.io' });
    await api.upsert({ customerId: 'app', mobile: '01001234567' });
    const before = await identity(keys, 'pos');
    const story = (id: string) => before.customerIds.find((s: { customerId: string }) => s.customerId === id);
    assert.deepEqual(
      [story('web').joined, story('web').through],
      ['created', { operation: 'upsert', requestId: 'req-web' }],
    );
    assert.deepEqual([story('pos').joined, story('pos').by], ['merged', { kind: 'email', value: 'ann@shop.io' }]);
    assert.deepEqual([story('app').joined, story('app').by], ['merged', { kind: 'mobile', value: '+201001234567' }]);
    assert.deepEqual(
      before.identifiers.map((i: { kind: string; mergeKey: boolean }) => [i.kind, i.mergeKey]),
      [
        ['email', true],
        ['mobile', true],
      ],
    );
    assert.deepEqual(
      (await compare(keys, 'web', 'app')).reasons.map((r) => r.code),
      ['created', 'merged'],
    );

    const unmerged = (await api.upsert({ customerId: 'x' })).statusCode; // another write between, as in life
    assert.equal(unmerged, 400);
    const split = await send(t.app, {
      method: 'POST',
      url: `${CUSTOMERS}/app/unmerge`,
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
    });
    assert.equal(split.statusCode, 200, split.body);
    const stayed = await identity(keys, 'web');
    const left = stayed.customerIds.find((s: { customerId: string }) => s.customerId === 'app');
    assert.deepEqual([left.present, left.left.gameballId], [false, split.json().gameballId]);
    const leaving = await identity(keys, 'app');
    assert.deepEqual([leaving.customerIds[0].joined, leaving.customerIds[0].from], ['unmerged', stayed.gameballId]);
    const mobile = leaving.identifiers.find((i: { kind: string }) => i.kind === 'mobile');
    assert.deepEqual([mobile.mergeKey, mobile.reason, mobile.heldBy], [false, 'split', stayed.gameballId]);
    const apart = await compare(keys, 'web', 'app');
    assert.equal(apart.sameProfile, false);
    assert.deepEqual(
      apart.reasons.map((r) => r.code),
      ['split'],
    );
  });

  test('every reason two profiles are apart: no shared identifier, different values, merge off, a blocked value, the cap', async () => {
    const { keys, api } = await account({ mergeCap: 1 });
    await api.upsert({ customerId: 'a', email: 'a@shop.io', mobile: '+201001111234' });
    await api.upsert({ customerId: 'b', email: 'b@shop.io', mobile: '+201002222345' });
    assert.deepEqual(
      (await compare(keys, 'a', 'b')).reasons.map((r) => r.code),
      ['no-shared-identifier', 'different-email', 'different-mobile'],
    );
    await api.upsert({ customerId: 'till-1', email: 'noemail@shop.io' });
    await api.upsert({ customerId: 'till-2', email: 'noemail@shop.io' });
    assert.deepEqual(
      (await compare(keys, 'till-1', 'till-2')).reasons.map((r) => r.code),
      ['blocked-value'],
    );
    const protectedOne = await identity(keys, 'till-2');
    assert.deepEqual(
      [protectedOne.identifiers[0].reason, protectedOne.protections[0].rule, protectedOne.protections[0].customerId],
      ['blocked-value', 'blocked-value', 'till-2'],
    );
    await api.upsert({ customerId: 'family-1', email: 'home@shop.io' });
    await api.upsert({ customerId: 'family-2', email: 'home@shop.io' });
    const capped = await compare(keys, 'family-2', 'family-1');
    assert.deepEqual(
      capped.reasons.map((r) => r.code),
      ['cap'],
    );
    assert.match(capped.reasons[0]!.message, /family-2/);

    const off = await account({ mergeBy: 'none' });
    await off.api.upsert({ customerId: 'p', email: 'same@shop.io' });
    await off.api.upsert({ customerId: 'q', email: 'same@shop.io' });
    assert.deepEqual(
      (await compare(off.keys, 'p', 'q')).reasons.map((r) => r.code),
      ['merge-off'],
    );
    assert.equal((await identity(off.keys, 'p')).identifiers[0].reason, 'merge-off');
  });

  test('a 3008 refusal is recorded against both profiles, tells why they are apart, and at most 20 are kept per profile', async () => {
    const { keys, api } = await account();
    await api.upsert({ customerId: 'holder', email: 'taken@shop.io' });
    await api.upsert({ customerId: 'asker', email: 'mine@shop.io' });
    const refused = await api.upsert(
      { customerId: 'asker', email: 'taken@shop.io' },
      { apikey: keys.apiKey, 'x-request-id': 'req-3008' },
    );
    assert.equal(refused.json().code, 3008);
    const apart = await compare(keys, 'asker', 'holder');
    assert.deepEqual(
      apart.reasons.map((r) => r.code),
      ['no-shared-identifier', 'different-email', 'conflict'],
    );
    assert.match(apart.reasons[2]!.message, /asker.*taken@shop\.io.*3008/);
    const told = await identity(keys, 'holder');
    assert.deepEqual(
      told.refusals.map((r: { customerId: string; kind: string; value: string; requestId: string }) => [
        r.customerId,
        r.kind,
        r.value,
        r.requestId,
      ]),
      [['asker', 'email', 'taken@shop.io', 'req-3008']],
    );
    assert.equal((await identity(keys, 'asker')).refusals.length, 1);
    for (let i = 0; i < 25; i++) await api.upsert({ customerId: 'asker', email: 'taken@shop.io' });
    assert.equal((await identity(keys, 'holder')).refusals.length, 20);
  });

  test('both keys; an unknown customerId on either side is 404 and says nothing of others', async () => {
    const { keys, api } = await account();
    await api.upsert({ customerId: 'k', email: 'k@shop.io' });
    assert.equal((await get(keys, 'k/identity', false)).statusCode, 401);
    const missing = await get(keys, 'k/identity/compare?with=nobody');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /"nobody"/);
    assert.equal((await get(keys, 'nobody/identity')).statusCode, 404);
  });
  test('a store keeping no history says so: history "off", how each customerId joined unknown, identifiers still told', async () => {
    const quiet = connect((t.store as Store & { url: string }).url, { poolSize: 2, recordsHistory: false });
    const app = await buildApp({ store: quiet, logLevel: 'silent' });
    try {
      const { keys } = await account();
      const api = client(app, keys);
      await api.upsert({ customerId: 'web', email: 'ann@shop.io' });
      await api.upsert({ customerId: 'pos', email: 'ANN@shop.io' });
      const res = await send(app, {
        method: 'GET',
        url: `${CUSTOMERS}/web/identity`,
        headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
      });
      assert.equal(res.statusCode, 200, res.body);
      const told = res.json();
      assert.equal(told.history, 'off');
      assert.deepEqual(
        told.customerIds.map((c: { customerId: string; joined: string }) => [c.customerId, c.joined]),
        [
          ['web', 'unknown'],
          ['pos', 'unknown'],
        ],
      );
      const email = told.identifiers.find((i: { kind: string }) => i.kind === 'email');
      assert.deepEqual([email.value, email.mergeKey], ['ANN@shop.io', true], 'the value as last sent, still the key');
    } finally {
      await app.close();
      await quiet.close();
    }
  });
});
