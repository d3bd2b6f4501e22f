import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { describe, mock, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { runCli, startNode } from '../helpers/cli.js';
import { headersOf, receiverNodeEnv, startReceiver, type Received } from '../helpers/receiver.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';

const database = await sharedTestDatabase();
const env = receiverNodeEnv(database.url);
const node = await startNode(env);
const upsert = (apiKey: string, body: unknown) => http(node.baseUrl, 'POST', CUSTOMERS, { apikey: apiKey }, body);
const ofCustomer = (id: string) => (r: Received) => r.body.customer_id === id;

/** `patron webhooks add … --json` for customer.profile.updated, with `flags`; it must succeed. */
async function addWithCli(accountId: string, url: string, flags: string[]) {
  const res = await runCli(
    [
      'webhooks',
      'add',
      '--account',
      accountId,
      '--url',
      url,
      '--topics',
      'customer.profile.updated',
      ...flags,
      '--json',
    ],
    env,
  );
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as { signature: string; secret: string };
}

/** The package's tolerance (5 minutes): a receiver refuses a delivery whose webhook-timestamp is further off. */
const TOLERANCE_SECONDS = 5 * 60;

/** Verifies as a receiver whose clock reads `unixSeconds` would: the package reads the clock, so it is set for the call. */
function verifyAt(unixSeconds: number, secret: string, raw: string, headers: Record<string, string>): unknown {
  mock.timers.enable({ apis: ['Date'], now: unixSeconds * 1000 });
  try {
    return new Webhook(secret).verify(raw, headers);
  } finally {
    mock.timers.reset();
  }
}

const standardSecret = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

describe(`Standard Webhooks signatures (${TEST_STORE})`, () => {
  test('a new subscription signs with Standard Webhooks: a real delivery verifies; a tampered body, a stale or rewritten timestamp, another id or another secret do not', async () => {
    const receiver = await startReceiver();
    const account = await database.newAccount({}, 'swh');
    const sub = await database.subscribe(account.id, receiver.url, ['customer.profile.updated']);
    assert.equal(sub.signature, 'standard-webhooks', 'the default for a new subscription');
    const before = Math.floor(Date.now() / 1000);
    await upsert(account.apiKey, { customerId: 'swh-1', customerAttributes: { displayName: 'Zoë 🎉' } });
    await receiver.waitFor((all) => all.some(ofCustomer('swh-1')));
    const after = Math.ceil(Date.now() / 1000);
    const hit = receiver.received.find(ofCustomer('swh-1'))!;
    const headers = headersOf(hit);

    const id = headers['webhook-id']!;
    const timestamp = Number(headers['webhook-timestamp']);
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(id, headers['x-patron-event-id'], 'webhook-id is the event id');
    assert.match(headers['webhook-timestamp']!, /^\d+$/, 'integer Unix seconds');
    assert.ok(timestamp >= before && timestamp <= after, `${timestamp} is the time of sending`);
    const key = Buffer.from(sub.secret.slice('whsec_'.length), 'base64');
    assert.equal(
      headers['webhook-signature'],
      `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${hit.raw}`).digest('base64')}`,
      'v1, + base64 HMAC-SHA256 of id.timestamp.body under the decoded secret',
    );
    assert.equal(headers['x-gb-signature'], undefined, 'X-GB-Signature belongs to the legacy schemes');
    assert.equal(headers['x-gb-webhook-version'], 'v4');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['user-agent'], 'Patron-Webhooks/1');

    assert.deepEqual(new Webhook(sub.secret).verify(hit.raw, headers), hit.body, 'the package verifies it');
    const tampered = hit.raw.replace('Zoë', 'Zoe');
    assert.notEqual(tampered, hit.raw);
    assert.throws(() => new Webhook(sub.secret).verify(tampered, headers), /No matching signature/);
    assert.throws(() => new Webhook(standardSecret(24)).verify(hit.raw, headers), /No matching signature/);
    assert.throws(
      () => new Webhook(sub.secret).verify(hit.raw, { ...headers, 'webhook-id': randomUUID() }),
      /No matching signature/,
      'a replay cannot pass as a new event to get past de-duplication',
    );

    // Captured and sent again later: accepted up to the tolerance, refused after it.
    assert.deepEqual(verifyAt(timestamp + TOLERANCE_SECONDS, sub.secret, hit.raw, headers), hit.body);
    assert.throws(() => verifyAt(timestamp + TOLERANCE_SECONDS + 1, sub.secret, hit.raw, headers), /too old/);
    // …and a fresh timestamp does not help the replayer: the timestamp is signed.
    const later = timestamp + 10 * 60;
    assert.throws(
      () => verifyAt(later, sub.secret, hit.raw, { ...headers, 'webhook-timestamp': String(later) }),
      /No matching signature/,
    );
  });

  test('a retried delivery keeps its webhook-id and is signed again with a fresh timestamp', async () => {
    const receiver = await startReceiver();
    const account = await database.newAccount({}, 'swh');
    const sub = await database.subscribe(account.id, receiver.url, ['customer.profile.updated']);
    const attempts: Received[] = [];
    receiver.respondWith((request) => (attempts.push(request), attempts.length === 1 ? 500 : 200));
    await upsert(account.apiKey, { customerId: 'swh-retry' });
    await receiver.waitFor((all) => all.length === 1);
    assert.equal(attempts.length, 2, 'a failed attempt, then the retry');
    const [first, retry] = attempts.map(headersOf) as [Record<string, string>, Record<string, string>];
    assert.equal(retry['webhook-id'], first['webhook-id'], 'the same id: receivers de-duplicate on it');
    assert.equal(retry['webhook-id'], retry['x-patron-event-id']);
    // The retry waits a whole second (PATRON_WEBHOOK_RETRY_DELAYS) after the first attempt ended.
    assert.ok(
      Number(retry['webhook-timestamp']) > Number(first['webhook-timestamp']),
      `${retry['webhook-timestamp']} is later than ${first['webhook-timestamp']}`,
    );
    assert.notEqual(retry['webhook-signature'], first['webhook-signature']);
    for (const attempt of attempts) new Webhook(sub.secret).verify(attempt.raw, headersOf(attempt));
  });

  test('patron webhooks add: standard-webhooks by default, with a new whsec_ standard-base64 secret its deliveries verify with', async () => {
    const receiver = await startReceiver();
    const account = await database.newAccount({}, 'swh');
    const added = await addWithCli(account.id, receiver.url, []);
    assert.equal(added.signature, 'standard-webhooks');
    assert.match(added.secret, /^whsec_[A-Za-z0-9+/]{32}$/, 'standard base64 of 24 bytes (no padding needed)');
    assert.equal(Buffer.from(added.secret.slice('whsec_'.length), 'base64').length, 24);
    await upsert(account.apiKey, { customerId: 'swh-cli' });
    await receiver.waitFor((all) => all.some(ofCustomer('swh-cli')));
    const hit = receiver.received.find(ofCustomer('swh-cli'))!;
    assert.deepEqual(new Webhook(added.secret).verify(hit.raw, headersOf(hit)), hit.body);

    const other = await database.newAccount({}, 'swh');
    const text = await runCli(
      ['webhooks', 'add', '--account', other.id, '--url', 'https://example.com/h', '--topics', 'customer.deleted'],
      env,
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^signature: standard-webhooks$/m);
    assert.match(text.stdout, /^secret: whsec_[A-Za-z0-9+/]{32}$/m);
    assert.match(text.stdout, /webhook-signature.*webhook-timestamp/);
  });

  test("--secret with standard-webhooks: the receiver's own whsec_ secret of 24 to 64 bytes signs; anything else is refused naming secret, nothing written", async () => {
    const receiver = await startReceiver();
    const account = await database.newAccount({}, 'swh');
    const own = standardSecret(64);
    assert.equal((await addWithCli(account.id, receiver.url, ['--secret', own])).secret, own);
    await upsert(account.apiKey, { customerId: 'swh-own' });
    await receiver.waitFor((all) => all.some(ofCustomer('swh-own')));
    const hit = receiver.received.find(ofCustomer('swh-own'))!;
    assert.deepEqual(new Webhook(own).verify(hit.raw, headersOf(hit)), hit.body);
    const shortest = standardSecret(24);
    const kept = await addWithCli(account.id, 'https://example.com/h', ['--secret', shortest]);
    assert.equal(kept.secret, shortest);

    const refusing = await database.newAccount({}, 'swh');
    const refused = {
      'a legacy secret': 'receiver-kept-secret-0123456789',
      'no whsec_ prefix': randomBytes(24).toString('base64'),
      base64url: `whsec_${Buffer.alloc(24, 0xfb).toString('base64url')}`,
      'no padding': `whsec_${randomBytes(25).toString('base64').replace(/=+$/, '')}`,
      '23 bytes': standardSecret(23),
      '65 bytes': standardSecret(65),
      'not base64': 'whsec_this is not base64 at all!!',
    };
    for (const [what, secret] of Object.entries(refused)) {
      const res = await runCli(
        [
          'webhooks',
          'add',
          '--account',
          refusing.id,
          '--url',
          'https://example.com/h',
          '--topics',
          'customer.deleted',
          '--secret',
          secret,
        ],
        env,
      );
      assert.equal(res.code, 2, `${what}: ${res.stderr}`);
      assert.match(res.stderr, /Invalid value for 'secret'.*standard base64.*24 to 64 bytes/, what);
    }
    const list = await runCli(['webhooks', 'list', '--account', refusing.id, '--json'], env);
    assert.deepEqual(JSON.parse(list.stdout), [], 'nothing written');
  });

  test('--signature hmac-sha256 keeps its old headers and secret: X-GB-Signature of the body alone under the whole string, no webhook-* headers', async () => {
    const receiver = await startReceiver();
    const account = await database.newAccount({}, 'swh');
    const added = await addWithCli(account.id, receiver.url, ['--signature', 'hmac-sha256']);
    assert.equal(added.signature, 'hmac-sha256');
    assert.match(added.secret, /^whsec_[A-Za-z0-9_-]{32}$/, 'base64url, as before');
    await upsert(account.apiKey, { customerId: 'legacy-hmac' });
    await receiver.waitFor((all) => all.some(ofCustomer('legacy-hmac')));
    const hit = receiver.received.find(ofCustomer('legacy-hmac'))!;
    assert.equal(hit.headers['x-gb-signature'], createHmac('sha256', added.secret).update(hit.raw).digest('hex'));
    assert.match(String(hit.headers['x-patron-event-id']), /^[0-9a-f-]{36}$/);
    assert.equal(hit.headers['x-gb-webhook-version'], 'v4');
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
      assert.equal(hit.headers[name], undefined, name);
  });
});
