import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { runCli, startNode, startServe } from '../../helpers/cli.js';
import { startTestPostgres } from '../../helpers/postgres-server.js';
import { http } from '../../helpers/server.js';
import { CUSTOMERS } from '../../helpers/app.js';
import { advisoryLockId } from '../../../src/db/dialect.js';

// A server of our own, since these tests stop, kill and restart it.
const server = await startTestPostgres({ own: true });
after(() => server.destroy());
const url = await server.createDatabase('faults');
const env = { DATABASE_URL: url, LOG_LEVEL: 'warn', PATRON_DB_POOL_SIZE: '3', PATRON_DB_STATEMENT_TIMEOUT_MS: '700' };

// A process: the durability test kills it with SIGKILL. The other nodes run in-process.
const patron = await startServe(env);
const apiKey = /^apiKey: (\S+)$/m.exec(patron.output())![1]!;
const secretKey = /^secretKey: (\S+)$/m.exec(patron.output())![1]!;
const auth = { apikey: apiKey, secretkey: secretKey };
const upsert = (base: string, body: unknown) => http(base, 'POST', CUSTOMERS, { apikey: apiKey }, body);
const details = (base: string, id: string) => http(base, 'GET', `${CUSTOMERS}/${id}/details`, auth);

describe('PostgreSQL faults', () => {
  test('database down: requests fail fast with 503 code 5003 and /ready says not ready; back up: recovers without a restart', async () => {
    assert.equal((await upsert(patron.baseUrl, { customerId: 'before-outage' })).status, 200);
    await server.stop();

    const started = Date.now();
    const during = await upsert(patron.baseUrl, { customerId: 'during-outage' });
    assert.equal(during.status, 503, JSON.stringify(during.body));
    assert.equal(during.body.code, 5003);
    assert.equal(during.body.type, 'Server Error');
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    const read = await details(patron.baseUrl, 'before-outage');
    assert.equal(read.status, 503);
    const ready = await http(patron.baseUrl, 'GET', '/ready', {});
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'not ready');
    assert.equal((await http(patron.baseUrl, 'GET', '/health', {})).status, 200, 'the process itself is alive');

    await server.start();
    assert.equal((await http(patron.baseUrl, 'GET', '/ready', {})).status, 200);
    assert.equal((await upsert(patron.baseUrl, { customerId: 'after-outage' })).status, 200);
    assert.equal((await details(patron.baseUrl, 'before-outage')).status, 200);
    assert.equal((await details(patron.baseUrl, 'during-outage')).status, 404, 'the failed write left nothing');
  });

  test('writes acknowledged with 200 survive kill -9 of Patron and of PostgreSQL', async () => {
    const acknowledged: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await upsert(patron.baseUrl, { customerId: `durable-${i}`, customerAttributes: { totalOrders: i } });
      if (res.status === 200) acknowledged.push(`durable-${i}`);
    }
    assert.equal(acknowledged.length, 60);
    await patron.stop('SIGKILL');
    await server.kill();
    await server.start();

    const again = await startNode(env);
    for (const id of acknowledged) {
      const res = await details(again.baseUrl, id);
      assert.equal(res.status, 200, id);
      assert.equal((res.body.customerAttributes as { totalOrders: number }).totalOrders, Number(id.split('-')[1]));
    }

    // A graceful PostgreSQL restart under a running Patron loses nothing either.
    assert.equal((await upsert(again.baseUrl, { customerId: 'pre-restart' })).status, 200);
    await server.stop();
    await server.start();
    // The pool's old connections died with the server; the next requests must reconnect.
    let status = 0;
    for (let i = 0; i < 5 && status !== 200; i++) status = (await details(again.baseUrl, 'pre-restart')).status;
    assert.equal(status, 200);
    await again.stop();
  });

  test('the statement timeout (PATRON_DB_STATEMENT_TIMEOUT_MS) bounds a request stuck behind a lock', async () => {
    const node = await startNode(env);
    const accountId = JSON.parse((await runCli(['accounts', 'list', '--json'], env)).stdout)[0].id as string;
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      // Hold the customerId's write lock from outside, as a stuck transaction would.
      await blocker.query('begin');
      await blocker.query('select pg_advisory_xact_lock($1::bigint)', [
        String(advisoryLockId(`${accountId}:customerId:locked`)),
      ]);
      const started = Date.now();
      const res = await upsert(node.baseUrl, { customerId: 'locked' });
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 5003);
      assert.ok(Date.now() - started < 5000);
      await blocker.query('rollback');
      assert.equal((await upsert(node.baseUrl, { customerId: 'locked' })).status, 200);
    } finally {
      await blocker.end();
      await node.stop();
    }
  });

  test('a node never holds more connections than PATRON_DB_POOL_SIZE', async () => {
    const node = await startNode(env);
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    try {
      let peak = 0;
      const burst = Promise.all(
        Array.from({ length: 60 }, (_, i) => upsert(node.baseUrl, { customerId: `pool-${i}` })),
      );
      let answered = false;
      void burst.then(() => (answered = true));
      const sampling = (async () => {
        // Sampled back to back until every request is answered: each sample is one round trip.
        while (!answered) {
          const { rows } = await watcher.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where datname = 'faults' and pid <> pg_backend_pid() and backend_type = 'client backend'",
          );
          peak = Math.max(peak, rows[0]!.n);
        }
      })();
      const [answers] = await Promise.all([burst, sampling]);
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(60).fill(200),
      );
      assert.ok(peak >= 1 && peak <= 3, `peak connections ${peak}`);
    } finally {
      await watcher.end();
      await node.stop();
    }
  });
});
