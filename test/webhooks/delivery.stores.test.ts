import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { runCli, startNode, startServe } from '../helpers/cli.js';
import { simulatedLatency, waitUntil } from '../helpers/wait.js';
import { headersOf, receiverNodeEnv, startReceiver, type Received } from '../helpers/receiver.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';
import type { SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import { getDeliveries } from '../../src/modules/webhooks/webhooks.service.js';

const database = await sharedTestDatabase();
const env = receiverNodeEnv(database.url);

/** The `patron webhooks …` commands themselves are tested here; set-up goes in-process. */
async function cli(args: string[]) {
  const res = await runCli(args, env);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout;
}

const newAccount = (settings: SettingsInput = {}) => database.newAccount(settings, 'hooks');
const subscribe = (accountId: string, url: string, topics: string) =>
  database.subscribe(accountId, url, topics.split(','));

const node = await startNode(env);
const upsert = (apiKey: string, body: unknown) => http(node.baseUrl, 'POST', CUSTOMERS, { apikey: apiKey }, body);
const ofCustomer = (id: string) => (r: Received) => r.body.customer_id === id;

/** Every delivery the account's writes queued (the outbox is written in the write's transaction), once none is pending. */
async function settledDeliveries(accountId: string) {
  let all = await getDeliveries(database.store, accountId, false);
  await waitUntil(
    async () => (all = await getDeliveries(database.store, accountId, false)).every((d) => d.status === 'delivered'),
    {
      what: () => `every delivery of ${accountId} was delivered (${all.map((d) => d.status).join(', ')})`,
    },
  );
  return all;
}

describe(`webhooks through the outbox (${TEST_STORE})`, () => {
  test('a change is delivered, signed with the subscription secret, with the published envelope and headers', async () => {
    const receiver = await startReceiver();
    const account = await newAccount({ referralLinkBase: 'https://shop.io/r' });
    const sub = await subscribe(account.id, receiver.url, 'customer.profile.updated');
    const res = await upsert(account.apiKey, {
      customerId: 'w-1',
      email: 'w1@x.io',
      mobile: '+201001234567',
      customerAttributes: { displayName: 'W', totalOrders: 2 },
    });
    await receiver.waitFor((all) => all.some(ofCustomer('w-1')));
    const hit = receiver.received.find(ofCustomer('w-1'))!;
    // Standard Webhooks, the default scheme (its rules: standard-webhooks.stores.test.ts).
    assert.deepEqual(new Webhook(sub.secret).verify(hit.raw, headersOf(hit)), hit.body);
    assert.equal(hit.headers['webhook-id'], hit.headers['x-patron-event-id']);
    assert.equal(hit.headers['x-gb-webhook-version'], 'v4');
    assert.match(String(hit.headers['x-patron-event-id']), /^[0-9a-f-]{36}$/);
    assert.equal(hit.body.event, 'customer.profile.updated');
    assert.equal(hit.body.client_id, account.id);
    assert.equal(hit.body.gb_customer_id, res.body.gameballId);
    assert.ok(Date.parse(String(hit.body.created_at)));
    assert.equal(hit.body.data.email, 'w1@x.io');
    assert.equal(hit.body.data.mobile_number, '+201001234567');
    assert.match(String(hit.body.data.referral_code), /^[2-9A-HJ-NP-Z]{8}$/);
    assert.equal(hit.body.data.referral_link, `https://shop.io/r?referralCode=${hit.body.data.referral_code}`);
    assert.equal(hit.body.data.display_name, 'W');
    for (const invented of ['tier', 'points', 'level']) assert.equal(invented in hit.body.data, false);
  });

  test("--signature gameball-v4 --secret: X-GB-Signature is Gameball's v4 SHA-1 of body + ':' + the receiver's own secret", async () => {
    const receiver = await startReceiver();
    const account = await newAccount();
    const secret = 'receiver-kept-secret-0123456789';
    const added = JSON.parse(
      await cli([
        'webhooks',
        'add',
        '--account',
        account.id,
        '--url',
        receiver.url,
        '--topics',
        'customer.profile.updated',
        '--signature',
        'gameball-v4',
        '--secret',
        secret,
        '--json',
      ]),
    ) as { signature: string; secret: string };
    assert.deepEqual([added.signature, added.secret], ['gameball-v4', secret]);
    await upsert(account.apiKey, { customerId: 'gb-sig', customerAttributes: { displayName: 'G' } });
    await receiver.waitFor((all) => all.some(ofCustomer('gb-sig')));
    const hit = receiver.received.find(ofCustomer('gb-sig'))!;
    assert.equal(hit.headers['x-gb-signature'], createHash('sha1').update(`${hit.raw}:${secret}`).digest('hex'));
    assert.notEqual(hit.headers['x-gb-signature'], createHmac('sha256', secret).update(hit.raw).digest('hex'));
    assert.equal(hit.headers['x-gb-webhook-version'], 'v4');
    assert.equal(hit.headers['webhook-signature'], undefined, 'no Standard Webhooks headers');
  });

  test('a subscription refuses an unknown signature scheme and a weak secret, and is not created', async () => {
    const account = await newAccount();
    const base = [
      'webhooks',
      'add',
      '--account',
      account.id,
      '--url',
      'https://example.com/h',
      '--topics',
      'customer.deleted',
    ];
    const scheme = await runCli([...base, '--signature', 'md5'], env);
    assert.equal(scheme.code, 1);
    assert.match(scheme.stderr, /--signature.*md5.*standard-webhooks, hmac-sha256, gameball-v4/s);
    const weak = await runCli([...base, '--signature', 'hmac-sha256', '--secret', 'short'], env);
    assert.equal(weak.code, 2);
    assert.match(weak.stderr, /'secret'.*16 to 255/);
    assert.deepEqual(JSON.parse(await cli(['webhooks', 'list', '--account', account.id, '--json'])), []);
  });

  test('an update that changes nothing sends nothing', async () => {
    const receiver = await startReceiver();
    const account = await newAccount();
    await subscribe(account.id, receiver.url, 'customer.profile.updated');
    await upsert(account.apiKey, { customerId: 'same', customerAttributes: { city: 'Cairo', custom: { a: 1 } } });
    await receiver.waitFor((all) => all.length === 1);
    await upsert(account.apiKey, { customerId: 'same', customerAttributes: { city: 'Cairo', custom: { a: 1 } } });
    await upsert(account.apiKey, { customerId: 'same' });
    await upsert(account.apiKey, { customerId: 'same', customerAttributes: { city: 'Giza' } });
    assert.equal((await settledDeliveries(account.id)).length, 2, 'create and the one real change only were queued');
    assert.equal(receiver.received.length, 2, 'create and the one real change only');
    assert.equal(receiver.received[1]!.body.data.city, 'Giza');
  });

  test('activation and tags send customer.profile.updated; an activation that changes nothing does not', async () => {
    const receiver = await startReceiver();
    const account = await newAccount();
    await subscribe(account.id, receiver.url, 'customer.profile.updated');
    const auth = { apikey: account.apiKey, secretkey: account.secretKey };
    await upsert(account.apiKey, { customerId: 'act-tag' });
    await http(node.baseUrl, 'PUT', `${CUSTOMERS}/act-tag/activate`, auth, { isActive: false });
    await http(node.baseUrl, 'PUT', `${CUSTOMERS}/act-tag/activate`, auth, { isActive: false });
    await http(node.baseUrl, 'POST', `${CUSTOMERS}/act-tag/tags`, auth, { tags: 'vip' });
    await http(node.baseUrl, 'POST', `${CUSTOMERS}/act-tag/tags`, auth, { tags: 'VIP' });
    assert.equal(
      (await settledDeliveries(account.id)).length,
      3,
      'the create, the deactivation and the new tag were queued',
    );
    assert.deepEqual(
      receiver.received.map((r) => [r.body.data.is_active, r.body.data.tags]),
      [
        [true, []],
        [false, []],
        [false, ['vip']],
      ],
    );
  });

  test('a non-2xx answer is retried after the configured delay, then succeeds; attempts are recorded', async () => {
    const receiver = await startReceiver();
    const account = await newAccount();
    await subscribe(account.id, receiver.url, 'customer.profile.updated');
    let calls = 0;
    receiver.respondWith(() => (++calls === 1 ? 500 : 200));
    await upsert(account.apiKey, { customerId: 'flaky' });
    await receiver.waitFor((all) => all.length === 1);
    assert.equal(calls, 2);
    await settledDeliveries(account.id); // the node records the attempt after the receiver has answered
    const deliveries = JSON.parse(await cli(['webhooks', 'deliveries', '--account', account.id, '--json']));
    assert.equal(deliveries[0].status, 'delivered');
    assert.equal(deliveries[0].attempts, 2);
  });

  test('after the last retry the delivery is dead, listed by --dead, and replay sends it again', async () => {
    const receiver = await startReceiver();
    const account = await newAccount();
    await subscribe(account.id, receiver.url, 'customer.profile.updated');
    let calls = 0;
    receiver.respondWith(() => (++calls, 503));
    await upsert(account.apiKey, { customerId: 'doomed' });
    let dead = await getDeliveries(database.store, account.id, true);
    await waitUntil(async () => (dead = await getDeliveries(database.store, account.id, true)).length > 0, {
      what: 'the delivery ran out of retries',
    });
    assert.equal(dead.length, 1);
    const listed = JSON.parse(
      await cli(['webhooks', 'deliveries', '--account', account.id, '--dead', '--json']),
    ) as Array<{ id: number }>;
    assert.deepEqual(
      listed.map((d) => d.id),
      [dead[0]!.id],
      '--dead lists it',
    );
    assert.equal(dead[0]!.attempts, 3, 'first try and two retries');
    assert.equal(dead[0]!.lastStatus, 503);
    assert.equal(calls, 3);
    receiver.respondWith(() => 200);
    await cli(['webhooks', 'replay', String(dead[0]!.id)]);
    await receiver.waitFor((all) => all.length === 1);
  });

  test("one profile's events arrive in order, even with a slow receiver", async () => {
    const receiver = await startReceiver();
    receiver.respondWith(async () => {
      await simulatedLatency(Math.random() * 30);
      return 200;
    });
    const account = await newAccount();
    await subscribe(account.id, receiver.url, 'customer.profile.updated');
    for (let i = 1; i <= 15; i++) {
      await upsert(account.apiKey, { customerId: 'ordered-a', customerAttributes: { totalOrders: i } });
      await upsert(account.apiKey, { customerId: 'ordered-b', customerAttributes: { totalOrders: i } });
    }
    await receiver.waitFor((all) => all.length === 30);
    for (const id of ['ordered-a', 'ordered-b']) {
      const orders = receiver.received.filter(ofCustomer(id)).map((r) => r.body.data.total_orders);
      assert.deepEqual(
        orders,
        Array.from({ length: 15 }, (_, i) => i + 1),
        id,
      );
    }
  });

  test('merge, delete and referral completion have their own topics', async () => {
    const receiver = await startReceiver();
    const account = await newAccount({ mergeBy: 'email', referralCompletion: 'firstOrder' });
    await subscribe(account.id, receiver.url, 'customer.merged,customer.deleted,referral.completed');
    await upsert(account.apiKey, { customerId: 'm-web', email: 'm@x.io' });
    const code = (await http(node.baseUrl, 'GET', `${CUSTOMERS}/m-web`, { apikey: account.apiKey })).body.referralCode;
    await upsert(account.apiKey, { customerId: 'm-app', email: 'M@x.io' });
    await upsert(account.apiKey, { customerId: 'friend', email: 'f@x.io', referrerCode: code });
    await upsert(account.apiKey, { customerId: 'friend', customerAttributes: { totalOrders: 1 } });
    await http(node.baseUrl, 'DELETE', `${CUSTOMERS}/friend`, { apikey: account.apiKey, secretkey: account.secretKey });
    await receiver.waitFor((all) => all.length === 3);
    const byTopic = Object.fromEntries(receiver.received.map((r) => [r.body.event, r.body]));
    assert.deepEqual(byTopic['customer.merged']!.data, {
      merged_customer_id: 'm-app',
      merged_by: 'email',
      customer_ids: ['m-web', 'm-app'],
    });
    assert.equal(byTopic['referral.completed']!.customer_id, 'm-web');
    assert.equal(byTopic['referral.completed']!.data.referee_customer_id, 'friend');
    assert.equal(byTopic['referral.completed']!.data.status, 'Active');
    assert.deepEqual(byTopic['customer.deleted']!.data, { customer_ids: ['friend'] });
    assert.equal(
      receiver.received.some((r) => r.body.event === 'customer.profile.updated'),
      false,
      'unsubscribed topics are not sent',
    );
  });
});

describe(`webhooks survive kill -9 while the receiver is down (${TEST_STORE})`, () => {
  test('every acknowledged change is delivered after the restart, at least once, none lost', async () => {
    const receiver = await startReceiver();
    receiver.respondWith(() => 503);
    const account = await newAccount();
    await subscribe(account.id, receiver.url, 'customer.profile.updated');
    // Only the node that is killed sends meanwhile, retrying every second for ten seconds: no
    // delivery runs out of retries before the kill, however slow the machine.
    await node.stop();
    const crashing = await startServe({ ...env, PATRON_WEBHOOK_RETRY_DELAYS: '1,1,1,1,1,1,1,1,1,1' });
    const acknowledged: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await http(crashing.baseUrl, 'POST', CUSTOMERS, { apikey: account.apiKey }, { customerId: `k-${i}` });
      if (res.status === 200) acknowledged.push(`k-${i}`);
    }
    await crashing.stop('SIGKILL'); // no node runs now: nothing can be delivered meanwhile

    receiver.respondWith(() => 200);
    const restarted = await startNode({ ...env, PATRON_WEBHOOK_RETRY_DELAYS: '0,1,1' });
    // Deliveries that already failed wait out their retry delay (1 s here), then go.
    await receiver.waitFor((all) => acknowledged.every((id) => all.some(ofCustomer(id))), 30_000);
    await restarted.stop();
  });
});
