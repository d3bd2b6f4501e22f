import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import {
  HASH_WINDOW_SECONDS,
  issueCustomerHash,
  verifyCustomerHash,
} from '../../src/modules/customers/customer-hash.js';

const t = await buildTestApp();
const keys = await t.newAccount();
const api = client(t.app, keys);
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
await api.upsert({ customerId: 'h-1' });
await api.upsert({ customerId: 'h-2' });

const hashOf = (id: string) => t.app.inject({ method: 'GET', url: `${CUSTOMERS}/${id}/hash`, headers: auth });
const verify = (id: string, hash: unknown) =>
  t.app.inject({ method: 'POST', url: `${CUSTOMERS}/${id}/hash/verify`, headers: auth, payload: { hash } as object });

describe('GET /customers/{id}/hash and POST …/hash/verify', () => {
  test('a hash of at least 16 characters, stable within its window, that verifies for its customer only', async () => {
    const first = (await hashOf('h-1')).json();
    assert.ok(first.hash.length >= 16);
    assert.equal((await hashOf('h-1')).json().hash, first.hash);
    assert.ok(Date.parse(first.expiresAt) > Date.now());
    assert.equal((await verify('h-1', first.hash)).json().isValid, true);
    assert.equal((await verify('h-2', first.hash)).json().isValid, false);
    assert.equal((await verify('h-1', 'x'.repeat(32))).json().isValid, false);
  });

  test('needs the secretkey; unknown customer → 404', async () => {
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/h-1/hash`, headers: { apikey: keys.apiKey } })).json()
        .code,
      1001,
    );
    assert.equal((await hashOf('nobody')).statusCode, 404);
  });

  test('rotates: accepted in its window and the next, refused after', () => {
    const secret = 'hs_test';
    const issuedAt = Date.UTC(2026, 0, 1, 10, 30);
    const { hash, expiresAt } = issueCustomerHash(secret, 7, issuedAt);
    const hour = HASH_WINDOW_SECONDS * 1000;
    assert.equal(verifyCustomerHash(secret, 7, hash, issuedAt + hour), true);
    assert.equal(verifyCustomerHash(secret, 7, hash, Date.parse(expiresAt) - 1), true);
    assert.equal(verifyCustomerHash(secret, 7, hash, Date.parse(expiresAt)), false);
    assert.notEqual(issueCustomerHash(secret, 7, issuedAt + hour).hash, hash);
    assert.equal(verifyCustomerHash('hs_other', 7, hash, issuedAt), false, 'another account cannot forge it');
  });
});
