import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startNode, startServe } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { assertOperationConforms } from '../helpers/reference.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';
import type { SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import { claimJob, insertJob, recordOutcomes } from '../../src/modules/batches/batches.store.js';

const database = await sharedTestDatabase();
// A short lease so the kill -9 test's restarted node takes the job over without a long wait.
const env = {
  DATABASE_URL: database.url,
  LOG_LEVEL: 'warn',
  PATRON_WORKER_POLL_MS: '100',
  PATRON_BATCH_LEASE_MS: '2000',
};
const I = '/api/v4.0/integrations';
// The worker runs items in chunks of 200 and stores them in chunks of 500: sizes here cross both.
const ACROSS_CHUNKS = 501;

const newAccount = (settings: SettingsInput = {}) => database.newAccount(settings, 'batches');
/**
 * Ten chunks, run under a bulk budget of half of them a second: a node stopped after its first
 * chunk leaves most of the job undone, however fast the machine.
 */
const INTERRUPTED = 2_000;
const INTERRUPTED_BUDGET = { rateLimitBulk: 1_000 };

/** How far a job got, read from the store itself (no node needs to be up). */
async function processedInStore(jobId: unknown): Promise<number> {
  const row = await database.store.db
    .selectFrom('batch_jobs')
    .select('processed_items')
    .where('id', '=', Number(jobId))
    .executeTakeFirstOrThrow();
  return Number(row.processed_items);
}

const node = await startNode(env);

function batchApi(baseUrl: string, keys: { apiKey: string; secretKey: string }) {
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  return {
    submit: (items: unknown[]) => http(baseUrl, 'POST', `${I}/batch/customers`, auth, { body: items }),
    status: (id: unknown) => http(baseUrl, 'GET', `${I}/batches/${id}/status`, auth),
    stop: (id: unknown) => http(baseUrl, 'POST', `${I}/batches/${id}/stop`, auth),
    details: (customerId: string) => http(baseUrl, 'GET', `${CUSTOMERS}/${customerId}/details`, auth),
    async waitUntilEnded(id: unknown, timeout = 60_000) {
      let status: Record<string, unknown> = {};
      const ended = async () => {
        status = (await http(baseUrl, 'GET', `${I}/batches/${id}/status`, auth)).body;
        return status.status === 'completed' || status.status === 'failed';
      };
      await waitUntil(ended, { what: () => `batch ${id} ended (still ${String(status.status)})`, timeout, step: 100 });
      return status;
    },
    /** Until the node has run its first chunks (of 200): the job is under way. */
    waitUntilUnderWay(id: unknown) {
      const processed = async () =>
        (await http(baseUrl, 'GET', `${I}/batches/${id}/status`, auth)).body.processedItems as number;
      return waitUntil(async () => (await processed()) >= 200, { what: `batch ${id} processed its first 200 items` });
    },
  };
}

describe(`customer batches (${TEST_STORE})`, () => {
  test('items follow the single-request rules; one bad item fails alone; answers conform to the reference', async () => {
    const keys = await newAccount({ mergeBy: 'email' });
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
    assert.deepEqual(
      errors.map((e) => [e.index, e.customerId, e.code]),
      [
        [1, 'b-bad', 3003],
        [3, null, 3000],
        [4, null, 3003],
      ],
    );
    assert.match(errors[0]!.message, /customerAttributes\.totalOrders/);
    assert.equal(((await api.details('b-1')).body.customerAttributes as Record<string, unknown>).firstName, 'One');
    assert.equal((await api.details('b-bad')).status, 404, 'the bad item wrote nothing');
    const history = await http(node.baseUrl, 'GET', `${I}/customers/b-1/history`, {
      apikey: keys.apiKey,
      secretkey: keys.secretKey,
    });
    assert.deepEqual(
      (history.body.history as Array<{ operation: string; customerId: string; requestId: string }>).map((e) => [
        e.operation,
        e.customerId,
        e.requestId,
      ]),
      [
        ['merge', 'b-2', `batch ${submitted.body.jobId} item 2`],
        ['batch item', 'b-1', `batch ${submitted.body.jobId} item 0`],
      ],
    );
  });

  test("an item's 3008 names the other profile's gameballIds, as the single request with the secretKey does", async () => {
    const keys = await newAccount({ mergeBy: 'email' });
    const api = batchApi(node.baseUrl, keys);
    const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
    const upsert = (body: object) => http(node.baseUrl, 'POST', CUSTOMERS, auth, body);
    const owner = (await upsert({ customerId: 'owner', email: 'taken@x.io' })).body.gameballId as number;
    const other = (await upsert({ customerId: 'other', email: 'other@x.io' })).body.gameballId as number;
    const conflict = { customerId: 'other', email: 'taken@x.io' };
    const single = await upsert(conflict);
    assert.equal(single.body.code, 3008);

    const submitted = await api.submit([conflict]);
    const ended = await api.waitUntilEnded(submitted.body.jobId);
    const [error] = ended.errors as Array<{ code: number; message: string }>;
    assert.equal(error!.code, 3008);
    assert.equal(error!.message, single.body.message);
    assert.match(error!.message, new RegExp(`gameballId ${owner}\\b`));
    assert.match(error!.message, new RegExp(`gameballId ${other}\\b`));
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

  test('a batch larger than a chunk is processed whole, every item once', async () => {
    const api = batchApi(node.baseUrl, await newAccount());
    const items = Array.from({ length: ACROSS_CHUNKS }, (_, i) => ({
      customerId: `bulk-${i}`,
      customerAttributes: { totalOrders: i % 7, custom: { n: i } },
    }));
    const submitted = await api.submit(items);
    assert.equal(submitted.status, 200);
    const ended = await api.waitUntilEnded(submitted.body.jobId, 120_000);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.processedItems, ACROSS_CHUNKS);
    assert.equal(ended.failedItems, 0);
    assert.equal(new Set(ended.results as number[]).size, ACROSS_CHUNKS);
    const last = await api.details(`bulk-${ACROSS_CHUNKS - 1}`);
    assert.deepEqual((last.body.customerAttributes as { custom: unknown }).custom, { n: ACROSS_CHUNKS - 1 });
  });

  test('stop: what was processed stays, the rest is not processed, the batch ends failed', async () => {
    const api = batchApi(node.baseUrl, await newAccount());
    const submitted = await api.submit(Array.from({ length: ACROSS_CHUNKS }, (_, i) => ({ customerId: `s-${i}` })));
    const stopped = await api.stop(submitted.body.jobId);
    assert.equal(stopped.status, 200);
    assertOperationConforms(`${I}/batches/{batchId}/stop`, 'post', stopped.body);
    const ended = await api.waitUntilEnded(submitted.body.jobId);
    assert.equal(ended.status, 'failed');
    assert.ok((ended.processedItems as number) < ACROSS_CHUNKS, `processed ${ended.processedItems}`);
    const again = await api.stop(submitted.body.jobId);
    assert.match(String(again.body.message), /already ended/);
  });

  test('a node whose lease lapsed mid-chunk counts nothing twice and gives the job up', async () => {
    const { db, dialect } = database.store;
    const { store } = database;
    const account = await newAccount();
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    // The slow node's lease still runs in real time, so the node serving beside this test leaves the
    // job alone; the takeover is asked "as of" a moment after it lapsed. The job is never visible as
    // pending (that node's worker would process it at once).
    const slowLease = at(30_000);
    const jobId = await store.write(async ({ db: trx }) => {
      const id = await insertJob(
        trx,
        account.id,
        [{ customerId: 'l-0' }, { customerId: 'l-1' }],
        new Date().toISOString(),
      );
      await trx
        .updateTable('batch_jobs')
        .set({ status: 'processing', claimed_until: slowLease })
        .where('id', '=', id)
        .execute();
      return id;
    });
    const fastLease = at(90_000);
    const taken = await store.write(({ db: trx }) => claimJob(trx, dialect, at(31_000), fastLease));
    assert.equal(taken?.id, jobId, 'another node takes the lapsed job over');
    const outcomes = [
      { idx: 0, gameballId: 1, errorCode: null, errorMessage: null },
      { idx: 1, gameballId: null, errorCode: 3003, errorMessage: 'x' },
    ];
    assert.equal(await recordOutcomes(db, taken!, outcomes, fastLease, at(60_000), new Date().toISOString()), true);
    assert.equal(
      await recordOutcomes(db, taken!, outcomes, slowLease, at(60_000), new Date().toISOString()),
      false,
      'the slow node learns it lost the job',
    );
    const job = await db
      .selectFrom('batch_jobs')
      .select(['processed_items', 'failed_items'])
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([Number(job.processed_items), Number(job.failed_items)], [2, 1]);
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

  test('SIGTERM of the node running a batch exits promptly, hands the job back, and another node carries on', async () => {
    const keys = await newAccount(INTERRUPTED_BUDGET);
    // No other node may take the job while the stop is looked at; the leaving node's lease is a
    // minute, so a job finished well within it was handed back, not waited out.
    await node.stop();
    const leaving = await startServe({ ...env, PATRON_BATCH_LEASE_MS: '60000' });
    const api = batchApi(leaving.baseUrl, keys);
    const submitted = await api.submit(Array.from({ length: INTERRUPTED }, (_, i) => ({ customerId: `t-${i}` })));
    await api.waitUntilUnderWay(submitted.body.jobId);
    const started = Date.now();
    assert.equal(await leaving.stop('SIGTERM'), 0);
    assert.ok(Date.now() - started < 5000, `shutdown took ${Date.now() - started} ms`);
    assert.ok((await processedInStore(submitted.body.jobId)) < INTERRUPTED, 'the node left with work undone');
    const job = await database.store.db
      .selectFrom('batch_jobs')
      .select('claimed_until')
      .where('id', '=', Number(submitted.body.jobId))
      .executeTakeFirstOrThrow();
    assert.equal(job.claimed_until, null, 'handed back, not left claimed until its lease runs out');
    const taker = await startNode(env);
    const ended = await batchApi(taker.baseUrl, keys).waitUntilEnded(submitted.body.jobId, 30_000);
    assert.equal(ended.status, 'completed');
    assert.equal(new Set(ended.results as number[]).size, INTERRUPTED);
    await taker.stop();
  });

  test('a batch survives kill -9 of the node running it and finishes after a restart, each item once', async () => {
    const keys = await newAccount(INTERRUPTED_BUDGET);
    const doomed = await startServe(env);
    const api = batchApi(doomed.baseUrl, keys);
    const submitted = await api.submit(
      Array.from({ length: INTERRUPTED }, (_, i) => ({ customerId: `r-${i}`, customerAttributes: { totalOrders: 1 } })),
    );
    // Let it start, then kill the process (and the other node, so nobody takes over early).
    await api.waitUntilUnderWay(submitted.body.jobId);
    await doomed.stop('SIGKILL');
    await node.stop(); // stopped by the test before already: nobody takes over early
    assert.ok((await processedInStore(submitted.body.jobId)) < INTERRUPTED, 'the kill landed mid-job');
    const revived = await startNode(env);
    const ended = await batchApi(revived.baseUrl, keys).waitUntilEnded(submitted.body.jobId, 120_000);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.processedItems, INTERRUPTED);
    assert.equal(new Set(ended.results as number[]).size, INTERRUPTED, 'one profile per item');
    await revived.stop();
  });
});
