import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { addSubscription, getDeliveries } from '../../src/modules/webhooks/webhooks.service.js';
import { startNode, startServe } from '../helpers/cli.js';
import { startReceiver } from '../helpers/receiver.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';
import { simulatedLatency, waitUntil } from '../helpers/wait.js';

// SIGTERM as a deploy sends it (docs/operations.md "Shutdown"): what was under way finishes or is handed back.
const database = await sharedTestDatabase();
const env = {
  DATABASE_URL: database.url,
  LOG_LEVEL: 'warn',
  PATRON_WORKER_POLL_MS: '100',
  PATRON_WEBHOOK_ALLOW_PRIVATE: 'true',
};

describe(`graceful shutdown (${TEST_STORE})`, () => {
  test('a request that arrives while the node shuts down is refused: 503/5004 in the usual body, Connection: close, nothing written', async () => {
    const app = await buildApp({ store: database.store, logLevel: 'silent' });
    const account = await database.newAccount({}, 'late');
    // Sent over HTTP once the shutdown has begun (after Patron's own preClose hook, registered
    // first), while the node still listens.
    let late: Awaited<ReturnType<typeof http>> | undefined;
    app.addHook('preClose', async () => {
      late = await http(baseUrl, 'POST', CUSTOMERS, { apikey: account.apiKey }, { customerId: 'late' });
    });
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    await app.close();
    assert.ok(late);
    assert.deepEqual([late.status, late.body.code, late.headers.connection], [503, 5004, 'close']);
    assert.match(String(late.body.message), /shutting down; nothing was done/);
    const written = await database.store.db
      .selectFrom('customer_ids')
      .select('customer_id')
      .where('account_id', '=', account.id)
      .execute();
    assert.deepEqual(written, []);
  });

  test('SIGTERM during a stream of writes: every 200 is committed, every other request refused cleanly and wrote nothing; exit 0', async (ctx) => {
    const account = await database.newAccount({}, 'sigterm');
    const node = await startServe(env);
    const outcomes = new Map<string, string>();
    let n = 0;
    let exited = false;
    const stream = Array.from({ length: 8 }, async () => {
      while (!exited) {
        const i = n++;
        const id = `s-${i}`;
        try {
          const res = await http(
            node.baseUrl,
            'POST',
            CUSTOMERS,
            { apikey: account.apiKey },
            { customerId: id, customerAttributes: { custom: { n: i } } },
          );
          outcomes.set(
            id,
            res.status === 200
              ? '200'
              : res.status === 503 && res.body.code === 5004
                ? '503'
                : `other ${res.status} ${JSON.stringify(res.body)}`,
          );
        } catch (error) {
          outcomes.set(id, 'connection closed');
          // Refused outright: the node is gone (or going); do not spin.
          if ((error as { code?: string }).code === 'ECONNREFUSED') exited = true;
        }
      }
    });
    await waitUntil(async () => [...outcomes.values()].filter((o) => o === '200').length >= 200, {
      what: '200 writes were answered',
    });
    const signalled = Date.now();
    const code = await node.stop('SIGTERM');
    const seconds = (Date.now() - signalled) / 1000;
    exited = true;
    await Promise.all(stream);

    assert.equal(code, 0, node.output());
    assert.ok(seconds < 10, `exited ${seconds} s after SIGTERM`);
    const counts: Record<string, number> = {};
    for (const outcome of outcomes.values()) counts[outcome] = (counts[outcome] ?? 0) + 1;
    ctx.diagnostic(`writes during SIGTERM: ${JSON.stringify(counts)}; exit 0 after ${seconds.toFixed(2)} s`);
    assert.deepEqual(
      Object.keys(counts).filter((k) => !['200', '503', 'connection closed'].includes(k)),
      [],
    );

    const rows = await database.store.db
      .selectFrom('customer_ids as c')
      .innerJoin('profiles as p', 'p.gameball_id', 'c.gameball_id')
      .select(['c.customer_id', 'p.custom'])
      .where('c.account_id', '=', account.id)
      .execute();
    const stored = new Map(
      rows.map((r) => [r.customer_id, typeof r.custom === 'string' ? JSON.parse(r.custom) : r.custom]),
    );
    for (const [id, outcome] of outcomes) {
      if (outcome === '200')
        assert.deepEqual(stored.get(id), { n: Number(id.slice(2)) }, `${id} was answered 200: it is there, whole`);
      else assert.equal(stored.has(id), false, `${id} was refused (${outcome}) yet written`);
    }
  });

  test('a request that never ends holds the shutdown no longer than PATRON_SHUTDOWN_TIMEOUT_MS: exit 1, said in the log', async () => {
    const account = await database.newAccount({}, 'stuck');
    const node = await startServe({ ...env, PATRON_SHUTDOWN_TIMEOUT_MS: '1000' });
    // A client that sends its headers and part of the body, then nothing: the request is under way
    // (the node must not cut it off) and never finishes.
    const { port, hostname } = new URL(node.baseUrl);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    // Expect: 100-continue makes the node say when it has the headers and the request is under way.
    let answered = '';
    socket.on('data', (chunk) => (answered += chunk));
    socket.write(
      `POST ${CUSTOMERS} HTTP/1.1\r\nHost: ${hostname}\r\napikey: ${account.apiKey}\r\ncontent-type: application/json\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n`,
    );
    await waitUntil(() => answered.startsWith('HTTP/1.1 100 Continue'), {
      what: 'the node took the request (100 Continue)',
    });
    socket.write('{"customerId":');
    const signalled = Date.now();
    const code = await node.stop('SIGTERM');
    const seconds = (Date.now() - signalled) / 1000;
    socket.destroy();
    assert.equal(code, 1, node.output());
    assert.ok(seconds >= 0.9 && seconds < 5, `exited ${seconds} s after SIGTERM`);
    assert.match(node.output(), /shutdown took longer than PATRON_SHUTDOWN_TIMEOUT_MS; exiting now/);
  });

  test('a webhook send in flight at SIGTERM is handed back unsent, and another node delivers it', async () => {
    const account = await database.newAccount({}, 'sigterm-hooks');
    const receiver = await startReceiver();
    let slow = true;
    let arrived = false;
    receiver.respondWith(async () => {
      arrived = true;
      if (slow) await simulatedLatency(8_000);
      return 200;
    });
    await addSubscription(database.store, account.id, receiver.url, ['customer.profile.updated'], {
      allowPrivate: true,
    });
    const node = await startServe({ ...env, PATRON_WEBHOOK_TIMEOUT_MS: '20000' });
    assert.equal(
      (await http(node.baseUrl, 'POST', CUSTOMERS, { apikey: account.apiKey }, { customerId: 'hooked' })).status,
      200,
    );
    await waitUntil(() => arrived, { what: 'the send is in flight: the receiver has the request' });
    const signalled = Date.now();
    assert.equal(await node.stop('SIGTERM'), 0);
    assert.ok(Date.now() - signalled < 5_000, 'the send in flight did not hold the shutdown');
    const [handedBack] = await getDeliveries(database.store, account.id, false);
    assert.deepEqual([handedBack!.status, handedBack!.attempts], ['pending', 0], 'not an attempt: handed back');
    slow = false;
    const other = await startNode(env);
    await waitUntil(async () => (await getDeliveries(database.store, account.id, false))[0]!.status === 'delivered', {
      what: 'another node delivered it',
    });
    await other.stop();
  });
  // A batch job running at SIGTERM: test/batches/batches.stores.test.ts ("SIGTERM of the node running a batch").
});
