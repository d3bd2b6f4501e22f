import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitUntil } from '../helpers/wait.js';
import pino from 'pino';
import { IdempotencyPurgeWorker } from '../../src/modules/idempotency/idempotency.worker.js';
import { buildTestApp, CUSTOMERS, type TestAccount } from '../helpers/app.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();
const BATCH = '/api/v4.0/integrations/batch/customers';

function keyed(keys: TestAccount) {
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  const send = (method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, key: string | undefined, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: key === undefined ? auth : { ...auth, 'idempotency-key': key },
      ...(payload && { payload }),
    });
  return {
    send,
    batch: (key: string | undefined, customerId = 'b-1') => send('POST', BATCH, key, { body: [{ customerId }] }),
    jobs: async () =>
      (await t.store.db.selectFrom('batch_jobs').select('id').where('account_id', '=', keys.account.id).execute())
        .length,
  };
}

describe(`Idempotency-Key (${TEST_STORE})`, () => {
  test('a repeat with the same key, method, path and body answers the first answer, marked replayed, and runs nothing', async () => {
    const api = keyed(await t.newAccount());
    const first = await api.batch('order-42');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await api.batch('order-42');
    assert.deepEqual([again.statusCode, again.body, again.headers['idempotent-replayed']], [200, first.body, 'true']);
    assert.match(String(again.headers['content-type']), /^application\/json/);
    assert.equal(await api.jobs(), 1, 'one job: the repeat did not run');
    await api.batch(undefined);
    await api.batch(undefined);
    assert.equal(await api.jobs(), 3, 'writes without the header run every time');
  });

  test('the same key with another body or path is refused (422/4023, saying so) and nothing is written', async () => {
    const api = keyed(await t.newAccount());
    assert.equal((await api.batch('k1', 'first')).statusCode, 200);
    const otherBody = await api.batch('k1', 'second');
    assert.deepEqual([otherBody.statusCode, otherBody.json().code], [422, 4023]);
    assert.match(otherBody.json().message, /"k1" was first used with another body/);
    const otherPath = await api.send('POST', CUSTOMERS, 'k1', { customerId: 'c' });
    assert.deepEqual([otherPath.statusCode, otherPath.json().code], [422, 4023]);
    assert.match(otherPath.json().message, /first used for POST \/api\/v4\.0\/integrations\/batch\/customers/);
    assert.equal(await api.jobs(), 1);
    assert.equal((await api.send('GET', `${CUSTOMERS}/c`, undefined)).statusCode, 404, 'the customer was not created');
  });

  test('a repeat while the first still runs is 409/4019 with Retry-After; once its lease has run out (its node died) the repeat runs', async () => {
    const keys = await t.newAccount();
    const api = keyed(keys);
    // A first request that another node is running: its key is held, without an answer.
    assert.equal((await api.batch('held')).statusCode, 200);
    const held = () =>
      t.store.db
        .updateTable('idempotency_keys')
        .set({ response_status: null, response_body: null })
        .where('account_id', '=', keys.account.id)
        .where('key', '=', 'held');
    await held()
      .set({ lease_until: new Date(Date.now() + 60_000).toISOString() })
      .execute();
    const busy = await api.batch('held');
    assert.deepEqual([busy.statusCode, busy.json().code, busy.headers['retry-after']], [409, 4019, '1']);
    assert.equal(await api.jobs(), 1);
    await held()
      .set({ lease_until: new Date(Date.now() - 1).toISOString() })
      .execute();
    const takenOver = await api.batch('held');
    assert.deepEqual([takenOver.statusCode, takenOver.headers['idempotent-replayed']], [200, undefined]);
    assert.equal(await api.jobs(), 2);
    assert.equal((await api.batch('held')).headers['idempotent-replayed'], 'true');
  });

  test('refusals are kept too: the same request gets the same 4xx, replayed', async () => {
    const api = keyed(await t.newAccount());
    const missing = await api.send('PUT', `${CUSTOMERS}/nobody/activate`, 'act-1', { isActive: false });
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 7000]);
    const again = await api.send('PUT', `${CUSTOMERS}/nobody/activate`, 'act-1', { isActive: false });
    assert.deepEqual([again.statusCode, again.body, again.headers['idempotent-replayed']], [404, missing.body, 'true']);
  });

  test('every write takes a key: PUT and DELETE as well as POST; reads ignore it', async () => {
    const api = keyed(await t.newAccount());
    await api.send('POST', CUSTOMERS, undefined, { customerId: 'del' });
    const deleted = await api.send('DELETE', `${CUSTOMERS}/del`, 'del-1');
    assert.equal(deleted.statusCode, 200, deleted.body);
    const repeat = await api.send('DELETE', `${CUSTOMERS}/del`, 'del-1');
    assert.deepEqual(
      [repeat.statusCode, repeat.body, repeat.headers['idempotent-replayed']],
      [200, deleted.body, 'true'],
      'the repeat is not a 404',
    );
    const read = await api.send('GET', `${CUSTOMERS}/del`, 'del-1');
    assert.deepEqual([read.statusCode, read.headers['idempotent-replayed']], [404, undefined]);
  });

  test('keys belong to an account: another account may use the same key', async () => {
    const one = keyed(await t.newAccount());
    const two = keyed(await t.newAccount());
    assert.equal((await one.batch('shared-key')).statusCode, 200);
    const other = await two.batch('shared-key', 'another');
    assert.deepEqual([other.statusCode, other.headers['idempotent-replayed']], [200, undefined]);
    assert.equal(await two.jobs(), 1);
  });

  test('a key must be 1 to 255 characters (422/3003 naming Idempotency-Key, nothing written)', async () => {
    const api = keyed(await t.newAccount());
    for (const bad of ['', 'x'.repeat(256)]) {
      const res = await api.batch(bad);
      assert.deepEqual([res.statusCode, res.json().code], [422, 3003], bad.length.toString());
      assert.match(res.json().message, /Idempotency-Key/);
    }
    assert.equal(await api.jobs(), 0);
    assert.equal((await api.batch('y'.repeat(255))).statusCode, 200);
  });

  test('a request refused before it ran (bad body, missing secretKey) does not use up its key', async () => {
    const keys = await t.newAccount();
    const api = keyed(keys);
    const bad = await api.send('POST', BATCH, 'early', { body: [] });
    assert.equal(bad.statusCode, 422);
    const noSecret = await t.app.inject({
      method: 'POST',
      url: BATCH,
      headers: { apikey: keys.apiKey, 'idempotency-key': 'early' },
      payload: { body: [{ customerId: 'e' }] },
    });
    assert.equal(noSecret.statusCode, 401);
    const ok = await api.send('POST', BATCH, 'early', { body: [{ customerId: 'e' }] });
    assert.deepEqual([ok.statusCode, ok.headers['idempotent-replayed']], [200, undefined]);
  });

  test('the worker purges keys older than 24 hours; the key then runs a new request', async () => {
    const keys = await t.newAccount();
    const api = keyed(keys);
    await api.batch('old-key');
    await t.store.db
      .updateTable('idempotency_keys')
      .set({ created_at: new Date(Date.now() - 25 * 3_600_000).toISOString() })
      .where('account_id', '=', keys.account.id)
      .execute();
    await api.batch('new-key');
    const worker = new IdempotencyPurgeWorker(t.store, 20, pino({ level: 'silent' }));
    const left = () =>
      t.store.db.selectFrom('idempotency_keys').select('key').where('account_id', '=', keys.account.id).execute();
    worker.start();
    try {
      await waitUntil(async () => (await left()).length < 2, { what: 'the worker purged the key older than 24 hours' });
    } finally {
      await worker.stop();
    }
    assert.deepEqual(
      (await left()).map((r) => r.key),
      ['new-key'],
    );
    assert.equal((await api.batch('old-key')).headers['idempotent-replayed'], undefined);
    assert.equal(await api.jobs(), 3);
  });

  test('the OpenAPI document offers the Idempotency-Key header on every write of the API, and on no read', async () => {
    type Operation = { parameters?: Array<{ in: string; name: string }> };
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    let writes = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const offered = (operation.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
        assert.equal(offered, method !== 'get', `${method} ${path}`);
        if (offered) writes++;
      }
    }
    assert.ok(writes >= 8, `${writes} writes`);
  });
});
