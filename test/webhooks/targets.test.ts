import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { addSubscription, getDeliveries } from '../../src/modules/webhooks/webhooks.service.js';
import { forbiddenRange } from '../../src/modules/webhooks/safe-target.js';
import { runCli, startNode } from '../helpers/cli.js';
import { startReceiver } from '../helpers/receiver.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';
import { waitUntil } from '../helpers/wait.js';

const database = await sharedTestDatabase();
// A node with the default: webhooks to public addresses only.
const env = {
  DATABASE_URL: database.url,
  LOG_LEVEL: 'warn',
  PATRON_WEBHOOK_RETRY_DELAYS: '60',
  PATRON_WORKER_POLL_MS: '100',
  PATRON_WEBHOOK_TIMEOUT_MS: '2000',
};
const node = await startNode(env);
after(() => node.stop());

const FORBIDDEN = [
  'http://127.0.0.1:9/h',
  'http://localhost:9/h',
  'http://[::1]/h',
  'http://10.1.2.3/h',
  'http://172.16.0.1/h',
  'http://192.168.1.1/h',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1/h',
  'http://0.0.0.0/h',
  'http://[::ffff:127.0.0.1]/h',
  'http://[fd00:ec2::254]/h',
  'http://224.0.0.1/h',
];

/** The account's one delivery, once it has been attempted. */
async function attempted(accountId: string) {
  await waitUntil(async () => (await getDeliveries(database.store, accountId, false)).some((d) => d.attempts > 0), {
    what: 'the delivery was attempted',
  });
  return (await getDeliveries(database.store, accountId, false))[0]!;
}

describe(`webhook targets (${TEST_STORE})`, () => {
  test('a subscription to a loopback, private, link-local, metadata or other non-public address is refused, naming the url and why', async () => {
    const account = await database.newAccount({}, 'targets');
    for (const url of FORBIDDEN) {
      await assert.rejects(
        addSubscription(database.store, account.id, url, ['customer.deleted']),
        (error: Error & { code?: number }) => {
          assert.equal(error.code, 3003, url);
          assert.match(error.message, /'url'.*public addresses only/s, url);
          return true;
        },
      );
    }
    assert.equal(forbiddenRange('93.184.216.34'), undefined);
    const publicOne = await addSubscription(database.store, account.id, 'https://93.184.216.34/hooks', [
      'customer.deleted',
    ]);
    assert.equal(publicOne.url, 'https://93.184.216.34/hooks');
    const allowed = await addSubscription(database.store, account.id, 'http://127.0.0.1:9/h', ['customer.deleted'], {
      allowPrivate: true,
    });
    assert.equal(allowed.url, 'http://127.0.0.1:9/h');
  });

  test('patron webhooks add refuses a private receiver unless PATRON_WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const account = await database.newAccount({}, 'targets-cli');
    const args = [
      'webhooks',
      'add',
      '--account',
      account.id,
      '--url',
      'http://192.168.0.10/hooks',
      '--topics',
      'customer.deleted',
    ];
    const refused = await runCli(args, { DATABASE_URL: database.url });
    assert.equal(refused.code, 2, 'refused: exit code 2, as every refused input');
    assert.match(refused.stderr, /192\.168\.0\.10 \(private\)/);
    const allowed = await runCli(args, { DATABASE_URL: database.url, PATRON_WEBHOOK_ALLOW_PRIVATE: 'true' });
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  test('every delivery is checked as it connects: a receiver that now resolves or points to a private address gets nothing', async () => {
    const receiver = await startReceiver();
    const account = await database.newAccount({}, 'rebinding');
    // As if these had resolved to a public address when they were added (or were added with the setting on).
    await addSubscription(database.store, account.id, receiver.url, ['customer.profile.updated'], {
      allowPrivate: true,
    });
    await addSubscription(
      database.store,
      account.id,
      `http://localhost:${receiver.port}/hooks`,
      ['customer.profile.updated'],
      { allowPrivate: true },
    );
    assert.equal(
      (await http(node.baseUrl, 'POST', CUSTOMERS, { apikey: account.apiKey }, { customerId: 'rebound' })).status,
      200,
    );
    await waitUntil(
      async () => {
        const deliveries = await getDeliveries(database.store, account.id, false);
        return deliveries.length === 2 && deliveries.every((d) => d.attempts > 0);
      },
      { what: 'both deliveries were attempted' },
    );
    const deliveries = await getDeliveries(database.store, account.id, false);
    const errors = deliveries.map((d) => d.lastError).sort();
    assert.match(errors[0]!, /127\.0\.0\.1 \(loopback\)/);
    assert.match(errors[1]!, /localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
    assert.equal(receiver.received.length, 0);
  });
});

describe(`webhook redirects (${TEST_STORE})`, () => {
  test('a redirect is never followed: the attempt fails with its status and the other URL hears nothing', async () => {
    // Only a node that may send to 127.0.0.1 may claim this delivery.
    await node.stop();
    const target = await startReceiver();
    const redirecting = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: target.url }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));
    const open = await startNode({ ...env, PATRON_WEBHOOK_ALLOW_PRIVATE: 'true' });
    after(() => open.stop());
    const account = await database.newAccount({}, 'redirects');
    await addSubscription(
      database.store,
      account.id,
      `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/h`,
      ['customer.profile.updated'],
      { allowPrivate: true },
    );
    assert.equal(
      (await http(open.baseUrl, 'POST', CUSTOMERS, { apikey: account.apiKey }, { customerId: 'redirected' })).status,
      200,
    );
    const attempt = await attempted(account.id);
    assert.deepEqual([attempt.lastStatus, attempt.lastError], [307, 'HTTP 307']);
    assert.equal(target.received.length, 0);
  });
});
