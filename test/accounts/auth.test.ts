import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitUntil } from '../helpers/wait.js';
import { buildTestApp, CUSTOMERS, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { ACCOUNT_CACHE_MS } from '../../src/modules/accounts/account-auth.service.js';
import { changeAccount, rotateAccountKeys } from '../../src/modules/accounts/accounts.service.js';
import { generateKey, hashKey } from '../../src/modules/accounts/account-keys.js';
import { updateAccount } from '../../src/modules/accounts/accounts.store.js';

const t = await buildTestApp();
const keys = await t.newAccount();
const api = client(t.app, keys);
await api.upsert({ customerId: 'c-1', email: 'c1@x.io' });

const inject = (url: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET', payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload && { payload }) });

describe('keys', () => {
  test('a missing apikey → 401 code 1000', async () => {
    const res = await inject(`${CUSTOMERS}/c-1`, {});
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 1000);
    assert.equal(res.json().type, 'Authentication Error');
  });

  test('an unknown apikey → 401 code 1000', async () => {
    const res = await inject(`${CUSTOMERS}/c-1`, { apikey: 'pk_nope' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 1000);
  });

  test('header names are case-insensitive (the mobile SDK sends APIKey)', async () => {
    const res = await inject(`${CUSTOMERS}/c-1`, { APIKey: keys.apiKey });
    assert.equal(res.statusCode, 200);
    const details = await inject(`${CUSTOMERS}/c-1/details`, { APIKEY: keys.apiKey, SecretKey: keys.secretKey });
    assert.equal(details.statusCode, 200);
  });

  test('details without the secretkey → 401 code 1001', async () => {
    const res = await inject(`${CUSTOMERS}/c-1/details`, { apikey: keys.apiKey });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 1001);
  });

  test('details with a wrong secretkey → 401 code 1001', async () => {
    const res = await inject(`${CUSTOMERS}/c-1/details`, { apikey: keys.apiKey, secretkey: 'sk_wrong' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 1001);
  });

  test("another account's secretkey does not open this account", async () => {
    const other = await t.newAccount();
    const res = await inject(`${CUSTOMERS}/c-1/details`, { apikey: keys.apiKey, secretkey: other.secretKey });
    assert.equal(res.statusCode, 401);
  });

  test('an authentication failure is checked before the body and writes nothing', async () => {
    const before = await snapshot(t.store, api.accountId);
    const res = await inject(CUSTOMERS, { apikey: 'pk_nope' }, 'POST', { customerId: 42 });
    assert.equal(res.statusCode, 401);
    const noSecret = await inject(`${CUSTOMERS}/c-1/details`, { apikey: keys.apiKey });
    assert.equal(noSecret.statusCode, 401);
    assert.deepEqual(await snapshot(t.store, api.accountId), before);
  });

  test('keys are random (≥128 bits) and stored only as hashes', async () => {
    assert.ok(keys.apiKey.length >= 24 && keys.secretKey.length >= 24);
    assert.notEqual(keys.apiKey, keys.secretKey);
    const rows = await t.store.db.selectFrom('accounts').selectAll().execute();
    const dump = JSON.stringify(rows);
    assert.equal(dump.includes(keys.apiKey), false);
    assert.equal(dump.includes(keys.secretKey), false);
  });

  test('rotating keys: the new ones work and the old ones stop at once', async () => {
    const mine = await t.newAccount();
    assert.equal(
      (await inject(`${CUSTOMERS}/x`, { apikey: mine.apiKey })).statusCode,
      404,
      'the old key in use (and cached)',
    );
    const rotated = await rotateAccountKeys(t.store, mine.account.id);
    assert.equal((await inject(`${CUSTOMERS}/x`, { apikey: mine.apiKey })).json().code, 1000);
    assert.equal((await inject(`${CUSTOMERS}/x`, { apikey: rotated.keys.apiKey })).statusCode, 404);
    // New and rotated secret keys are exactly 32 ASCII characters (README), usable as a 256-bit key.
    for (const secret of [mine.secretKey, rotated.keys.secretKey])
      assert.equal(Buffer.byteLength(secret, 'utf8'), 32, secret);
    assert.equal(
      (
        await inject(`${CUSTOMERS}/x/details`, { apikey: rotated.keys.apiKey, secretkey: rotated.keys.secretKey })
      ).json().code,
      7000,
    );
  });
});

describe('high-security mode', async () => {
  const secure = await t.newAccount();
  const secureApi = client(t.app, secure);
  await secureApi.upsert({ customerId: 'hs-1' });
  await changeAccount(t.store, secure.account.id, { highSecurity: true });

  test('every operation needs the secretkey', async () => {
    const res = await inject(`${CUSTOMERS}/hs-1`, { apikey: secure.apiKey });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 1001);
    const write = await inject(CUSTOMERS, { apikey: secure.apiKey }, 'POST', { customerId: 'hs-2' });
    assert.equal(write.statusCode, 401);
  });

  test('with both keys it works', async () => {
    const res = await inject(`${CUSTOMERS}/hs-1`, { apikey: secure.apiKey, secretkey: secure.secretKey });
    assert.equal(res.statusCode, 200);
    const write = await inject(CUSTOMERS, { apikey: secure.apiKey, secretkey: secure.secretKey }, 'POST', {
      customerId: 'hs-2',
    });
    assert.equal(write.statusCode, 200);
  });
});

describe('account isolation', async () => {
  const other = await t.newAccount();
  const otherApi = client(t.app, other);

  test("one account cannot read another's customers", async () => {
    assert.equal((await otherApi.get('c-1')).statusCode, 404);
    assert.equal((await otherApi.details('c-1')).statusCode, 404);
  });

  test('the same customerId in two accounts is two profiles', async () => {
    const mine = await api.upsert({ customerId: 'shared-id', customerAttributes: { city: 'Cairo' } });
    const theirs = await otherApi.upsert({ customerId: 'shared-id', customerAttributes: { city: 'Paris' } });
    assert.notEqual(mine.json().gameballId, theirs.json().gameballId);
    assert.equal((await api.profile('shared-id')).customerAttributes.city, 'Cairo');
    assert.equal((await otherApi.profile('shared-id')).customerAttributes.city, 'Paris');
  });
});

describe('the account cache', () => {
  test('a change made by another process (the CLI, another node) applies here within ACCOUNT_CACHE_MS', async () => {
    const other = await t.newAccount();
    assert.equal(
      (await inject(`${CUSTOMERS}/x`, { apikey: other.apiKey })).statusCode,
      404,
      'authenticated, and now cached',
    );
    // Written to the store directly, as another process would: nothing tells this process.
    await updateAccount(t.store.db, other.account.id, { highSecurity: true }, new Date().toISOString());
    const changed = Date.now();
    await waitUntil(async () => (await inject(`${CUSTOMERS}/x`, { apikey: other.apiKey })).statusCode === 401, {
      what: 'the new settings apply (the secretKey is required)',
      timeout: ACCOUNT_CACHE_MS + 500,
      step: 50,
    });
    assert.ok(Date.now() - changed <= ACCOUNT_CACHE_MS + 500, `the old settings held for ${Date.now() - changed} ms`);
  });

  test('an unknown key is not remembered: once it names an account, it works at once', async () => {
    const other = await t.newAccount();
    const next = generateKey('pk');
    assert.equal((await inject(`${CUSTOMERS}/x`, { apikey: next })).json().code, 1000);
    await updateAccount(t.store.db, other.account.id, { apiKeyHash: hashKey(next) }, new Date().toISOString());
    assert.equal((await inject(`${CUSTOMERS}/x`, { apikey: next })).statusCode, 404, 'found, not a remembered miss');
  });
});
