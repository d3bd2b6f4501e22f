import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, startServe } from '../helpers/cli.js';
import { assertOperationConforms } from '../helpers/reference.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { freshDatabaseUrl, TEST_STORE } from '../helpers/store.js';

const database = await freshDatabaseUrl();
after(() => database.cleanup());
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn', PATRON_WORKER_POLL_MS: '100' };
const I = '/api/v4.0/integrations';

async function newAccount(flags: string[] = []) {
  const res = await runCli(['accounts', 'create', '--name', 'batches', ...flags, '--json'], env);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as { id: string; apiKey: string; secretKey: string };
}

const node = await startServe(env);

function batchApi(baseUrl: string, keys: { apiKey: string; secretKey: string }) {
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  return {
    submit: (items: unknown[]) => http(baseUrl, 'POST', `${I}/batch/customers`, auth, { body: items }),
    status: (id: unknown) => http(baseUrl, 'GET', `${I}/batches/${id}/status`, auth),
    stop: (id: unknown) => http(baseUrl, 'POST', `${I}/batches/${id}/stop`, auth),
    details: (customerId: string) => http(baseUrl, 'GET', `${CUSTOMERS}/${customerId}/details`, auth),
    async waitUntilEnded(id: unknown, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await http(baseUrl, 'GET', `${I}/batches/${id}/status`, auth);
        if (res.body.status === 'completed' || res.body.status === 'failed') return res.body;
        if (Date.now() > deadline) throw new Error(`batch ${id} still ${res.body.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

describe(`customer batches (${TEST_STORE})`, () => {
  test('items follow the single-request rules; one bad item fails alone; answers conform to the reference', async () => {
    const keys = await newAccount(['--merge-by', 'email']);
    const api = batchApi(node.baseUrl, keys);
    const submitted = await api.submit([
      { customerId: 'b-1', email: 'one@x.io', customerAttributes: { city: 'Cairo' } },
      { customerId: 'b-bad', email: 'two@x.io', customerAttributes: { totalOrders: 'many' } },
      { customerId: 'b-2', email: 'ONE@x.io', customerAttributes: { firstName: 'One' } },
      { email: 'nobody@x.io' },
      42,
      { customerId: 'b-3', email: 'three@x.io' },
    ]);
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assertOperationConforms(`${I}/batch/customers`, 'post', submitted.body);
    assert.equal(submitted.body.batchId, String(submitted.body.jobId));

    const ended = await api.waitUntilEnded(submitted.body.jobId);
    assertOperationConforms(`${I}/batches/{batchId}/status`, 'get', ended);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.progress, 100);
    assert.equal(ended.totalItems, 6);
    assert.equal(ended.processedItems, 6);
    assert.equal(ended.failedItems, 3);
    const results = ended.results as Array<number | null>;
    assert.equal(results[0], results[2], 'b-2 merged into b-1 by email, as a single request would');
    assert.equal(results[1], null);
    assert.ok(typeof results[5] === 'number');
    const errors = ended.errors as Array<{ index: number; customerId: string | null; code: number; message: string }>;
    assert.deepEqual(errors.map((e) => [e.index, e.customerId, e.code]), [[1, 'b-bad', 3003], [3, null, 3000], [4, null, 3003]]);
    assert.match(errors[0]!.message, /customerAttributes\.totalOrders/);
    assert.equal(((await api.details('b-1')).body.customerAttributes as Record<string, unknown>).firstName, 'One');
    assert.equal((await api.details('b-bad')).status, 404, 'the bad item wrote nothing');
  });

  test('more than 10,000 items, an empty list or a missing body → rejected at once, nothing stored', async () => {
    const api = batchApi(node.baseUrl, await newAccount());
    const tooMany = await api.submit(Array.from({ length: 10_001 }, (_, i) => ({ customerId: `x${i}` })));
    assert.equal(tooMany.status, 422);
    assert.match(String(tooMany.body.message), /body/);
    assert.equal((await api.submit([])).status, 422);
    const noBody = await http(node.baseUrl, 'POST', `${I}/batch/customers`, { apikey: '', secretkey: '' }, {});
    assert.equal(noBody.status, 401);
  });

  test('10,000 items in one batch are all processed', async () => {
    const api = batchApi(node.baseUrl, await newAccount());
    const items = Array.from({ length: 10_000 }, (_, i) => ({ customerId: `bulk-${i}`, customerAttributes: { totalOrders: i % 7, custom: { n: i } } }));
    const submitted = await api.submit(items);
    assert.equal(submitted.status, 200);
    const ended = await api.waitUntilEnded(submitted.body.jobId, 120_000);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.processedItems, 10_000);
    assert.equal(ended.failedItems, 0);
    assert.equal(new Set(ended.results as number[]).size, 10_000);
  });

  test('stop: what was processed stays, the rest is not processed, the batch ends failed', async () => {
    const api = batchApi(node.baseUrl, await newAccount());
    const submitted = await api.submit(Array.from({ length: 3000 }, (_, i) => ({ customerId: `s-${i}` })));
    const stopped = await api.stop(submitted.body.jobId);
    assert.equal(stopped.status, 200);
    assertOperationConforms(`${I}/batches/{batchId}/stop`, 'post', stopped.body);
    const ended = await api.waitUntilEnded(submitted.body.jobId);
    assert.equal(ended.status, 'failed');
    assert.ok((ended.processedItems as number) < 3000, `processed ${ended.processedItems}`);
    const again = await api.stop(submitted.body.jobId);
    assert.match(String(again.body.message), /already ended/);
  });

  test("unknown batches and another account's batches → 404", async () => {
    const mine = batchApi(node.baseUrl, await newAccount());
    const theirs = batchApi(node.baseUrl, await newAccount());
    const submitted = await mine.submit([{ customerId: 'solo' }]);
    assert.equal((await theirs.status(submitted.body.jobId)).status, 404);
    assert.equal((await theirs.stop(submitted.body.jobId)).status, 404);
    assert.equal((await mine.status(999999)).status, 404);
    assert.equal((await mine.status('abc')).body.code, 4004);
  });

  test('SIGTERM of the node running a batch exits promptly and another node carries on', async () => {
    const keys = await newAccount();
    const leaving = await startServe(env);
    const api = batchApi(leaving.baseUrl, keys);
    const submitted = await api.submit(Array.from({ length: 4000 }, (_, i) => ({ customerId: `t-${i}` })));
    for (let i = 0; i < 100 && ((await api.status(submitted.body.jobId)).body.processedItems as number) < 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    assert.equal(await leaving.stop('SIGTERM'), 0);
    assert.ok(Date.now() - started < 5000, `shutdown took ${Date.now() - started} ms`);
    // The node still running takes the released job over without waiting out a lease.
    const ended = await batchApi(node.baseUrl, keys).waitUntilEnded(submitted.body.jobId, 120_000);
    assert.equal(ended.status, 'completed');
    assert.equal(new Set(ended.results as number[]).size, 4000);
  });

  test('a batch survives kill -9 of the node running it and finishes after a restart, each item once', async () => {
    const keys = await newAccount();
    const doomed = await startServe(env);
    const api = batchApi(doomed.baseUrl, keys);
    const submitted = await api.submit(Array.from({ length: 4000 }, (_, i) => ({ customerId: `r-${i}`, customerAttributes: { totalOrders: 1 } })));
    // Let it start, then kill the process (and the other node, so nobody takes over early).
    for (let i = 0; i < 100 && ((await api.status(submitted.body.jobId)).body.processedItems as number) < 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await doomed.stop('SIGKILL');
    await node.stop();
    const revived = await startServe(env);
    const ended = await batchApi(revived.baseUrl, keys).waitUntilEnded(submitted.body.jobId, 120_000);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.processedItems, 4000);
    assert.equal(new Set(ended.results as number[]).size, 4000, 'one profile per item');
    await revived.stop();
  });
});
