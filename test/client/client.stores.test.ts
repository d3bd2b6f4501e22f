import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import {
  makeSessionToken,
  PatronClient,
  verifyWebhook,
  WebhookVerificationError,
} from '../../packages/client/src/index.js';
import { verifySessionToken } from '../../src/modules/accounts/session-token.js';
import { scoreRound } from '../../src/modules/duplicates/index.js';
import { addSubscription, WebhookWorker } from '../../src/modules/webhooks/index.js';
import type { TestAccount } from '../helpers/accounts.js';
import { patronError } from '../helpers/patron-client.js';
import { startReceiver } from '../helpers/receiver.js';
import { startTestServer } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/store.js';
import { waitUntil } from '../helpers/wait.js';

// @patron/client against a real Patron over a socket, on each store.
const server = await startTestServer();

/** A client whose requests and answers are kept, to count attempts and read what was sent. */
function recording(keys: Partial<TestAccount>, options: Partial<ConstructorParameters<typeof PatronClient>[0]> = {}) {
  const sent: Array<{ request: Request; response: Response }> = [];
  const client = new PatronClient({
    baseUrl: server.baseUrl,
    apiKey: keys.apiKey!,
    ...(keys.secretKey !== undefined && { secretKey: keys.secretKey }),
    ...options,
    fetch: async (request) => {
      const seen = request.clone();
      const response = await fetch(request);
      sent.push({ request: seen, response });
      return response;
    },
  });
  return { client, sent };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(`@patron/client against Patron (${TEST_STORE})`, () => {
  test('create, update and read with both keys; every write carries an Idempotency-Key, reads none', async () => {
    const keys = await server.newAccount();
    const { client, sent } = recording(keys);
    const created = await client.upsert({
      customerId: 'c-1',
      email: 'ann@shop.io',
      customerAttributes: { city: 'Giza' },
    });
    const updated = await client.upsert({
      customerId: 'c-1',
      customerAttributes: { city: 'Cairo', displayName: 'Ann' },
    });
    assert.equal(updated.gameballId, created.gameballId, 'the update reached the same profile');
    const read = await client.get('c-1');
    assert.deepEqual([read.gameballId, read.customerAttributes.city], [created.gameballId, 'Cairo']);
    // The rest of the document is typed too: details (personal data) needs the secretKey.
    const details = await client.api.GET('/api/v4.0/integrations/customers/{customerId}/details', {
      params: { path: { customerId: 'c-1' } },
    });
    assert.deepEqual([details.data?.email, details.data?.customerAttributes.displayName], ['ann@shop.io', 'Ann']);

    const [first, second, get] = sent.map(({ request }) => request);
    assert.deepEqual(
      [first, second, get].map((r) => [r!.headers.get('apikey'), r!.headers.get('secretkey')]),
      Array(3).fill([keys.apiKey, keys.secretKey]),
    );
    assert.match(first!.headers.get('idempotency-key')!, UUID);
    assert.notEqual(first!.headers.get('idempotency-key'), second!.headers.get('idempotency-key'), 'one key per write');
    assert.equal(get!.headers.get('idempotency-key'), null);
    assert.equal(new URL(get!.url).pathname, '/api/v4.0/integrations/customers/c-1');
  });

  test("the caller's Idempotency-Key reaches Patron: a repeat is replayed, not run again", async () => {
    const keys = await server.newAccount();
    const { client, sent } = recording(keys);
    const once = await client.upsert({ customerId: 'k-1', email: 'k1@shop.io' }, { idempotencyKey: 'order-77' });
    const again = await client.upsert({ customerId: 'k-1', email: 'k1@shop.io' }, { idempotencyKey: 'order-77' });
    assert.deepEqual(again, once);
    assert.deepEqual(
      sent.map(({ request, response }) => [
        request.headers.get('idempotency-key'),
        response.headers.get('idempotent-replayed'),
      ]),
      [
        ['order-77', null],
        ['order-77', 'true'],
      ],
    );
    const mismatch = await patronError(
      client.upsert({ customerId: 'k-1', email: 'other@shop.io' }, { idempotencyKey: 'order-77' }),
    );
    assert.deepEqual([mismatch.status, mismatch.code], [422, 4023]);
  });

  test('a 4xx throws PatronError with its status, code, type, requestId and body, after one attempt', async () => {
    const keys = await server.newAccount();
    const { client, sent } = recording(keys);
    const missing = await patronError(client.get('nobody'));
    assert.deepEqual(
      [missing.status, missing.code, missing.type, missing.name],
      [404, 7000, 'General Error', 'PatronError'],
    );
    assert.equal(missing.requestId, sent[0]!.response.headers.get('x-request-id'));
    assert.ok(missing.requestId);
    assert.equal(missing.message, (missing.body as { message: string }).message);
    assert.equal(sent.length, 1, 'a 404 is not retried');

    const wrongSecret = recording({ apiKey: keys.apiKey, secretKey: 'not-the-secret' });
    const denied = await patronError(wrongSecret.client.history('nobody').next());
    assert.deepEqual([denied.status, denied.code, denied.type], [401, 1001, 'Authentication Error']);
    const invalid = await patronError(
      client.upsert({ customerId: 'bad', customerAttributes: { totalOrders: 'many' as unknown as number } }),
    );
    assert.deepEqual([invalid.status, invalid.code], [422, 3003]);
    assert.equal(wrongSecret.sent.length + sent.length, 1 + 1 + 1, 'no 4xx is retried');
  });

  test('API v4.1 with a session token instead of the secretKey: as Patron verifies it, for its own customer only', async () => {
    const keys = await server.newAccount();
    await new PatronClient({ baseUrl: server.baseUrl, ...keys }).upsert({ customerId: 'app-1' });
    const token = await makeSessionToken({
      secretKey: keys.secretKey,
      customerId: 'app-1',
      customerEmail: 'app@shop.io',
      customerMobile: '+201001234567',
      expiresIn: 300,
    });
    const claims = await verifySessionToken(token, keys.secretKey);
    assert.deepEqual(
      [claims.customerId, claims.customerEmail, claims.customerMobile],
      ['app-1', 'app@shop.io', '+201001234567'],
    );
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 300)) < 5, `exp ${claims.exp}`);

    const app = recording({ apiKey: keys.apiKey }, { version: 'v4.1', sessionToken: token });
    await app.client.upsert({ customerId: 'app-1', customerAttributes: { city: 'Alexandria' } });
    assert.equal((await app.client.get('app-1')).customerAttributes.city, 'Alexandria');
    const { request } = app.sent[0]!;
    assert.equal(new URL(request.url).pathname, '/api/v4.1/integrations/customers');
    assert.deepEqual([request.headers.get('x-gb-token'), request.headers.get('secretkey')], [token, null]);

    // Negative controls: the token is what let those calls in.
    const otherCustomer = await patronError(app.client.get('someone-else'));
    assert.deepEqual([otherCustomer.status, otherCustomer.code], [401, 1103]);
    const noToken = new PatronClient({ baseUrl: server.baseUrl, apiKey: keys.apiKey, version: 'v4.1' });
    assert.equal((await patronError(noToken.get('app-1'))).code, 1001);
    const expired = await makeSessionToken({ secretKey: keys.secretKey, customerId: 'app-1', expiresIn: -60 });
    const late = new PatronClient({
      baseUrl: server.baseUrl,
      apiKey: keys.apiKey,
      version: 'v4.1',
      sessionToken: expired,
    });
    assert.equal((await patronError(late.get('app-1'))).code, 1102);
    const other = await server.newAccount();
    const foreign = await makeSessionToken({ secretKey: other.secretKey, customerId: 'app-1', expiresIn: '5m' });
    const forged = new PatronClient({
      baseUrl: server.baseUrl,
      apiKey: keys.apiKey,
      version: 'v4.1',
      sessionToken: () => foreign,
    });
    assert.equal((await patronError(forged.get('app-1'))).code, 1101);
    assert.throws(
      () => new PatronClient({ baseUrl: server.baseUrl, apiKey: keys.apiKey, sessionToken: token }),
      /version: 'v4.1'/,
    );
  });

  test('history: every entry of every page, newest first, as one long page has them', async () => {
    const keys = await server.newAccount();
    const { client, sent } = recording(keys);
    for (let i = 0; i < 5; i++) await client.upsert({ customerId: 'h-1', customerAttributes: { totalOrders: i } });
    const whole = (
      await client.api.GET('/api/v4.0/integrations/customers/{customerId}/history', {
        params: { path: { customerId: 'h-1' }, query: { limit: 200 } },
      })
    ).data!;
    assert.equal(whole.history.length, 5);
    sent.length = 0;
    const walked = [];
    for await (const entry of client.history('h-1', { limit: 2 })) walked.push(entry);
    assert.deepEqual(walked, whole.history);
    assert.deepEqual(
      sent.map(({ request }) => new URL(request.url).searchParams.get('startAfter')),
      ['0', String(whole.history[1]!.id), String(whole.history[3]!.id)],
    );
  });

  test('referrals: every referred friend, in pages', async () => {
    const keys = await server.newAccount({ referralCompletion: 'signup' });
    const { client } = recording(keys);
    await client.upsert({ customerId: 'referrer' });
    const referrerCode = (await client.get('referrer')).referralCode!;
    for (const friend of ['f-1', 'f-2', 'f-3']) await client.upsert({ customerId: friend, referrerCode });
    const friends = [];
    for await (const friend of client.referrals('referrer', { limit: 2 })) friends.push(friend.customerId);
    assert.deepEqual(friends, ['f-1', 'f-2', 'f-3']);
  });

  test('possible duplicates: every suggestion, in pages', async () => {
    const keys = await server.newAccount({ mergeBy: 'none' });
    const { client, sent } = recording(keys);
    const people = [
      ['Mariam', 'El-Sayed', 'mariam.elsayed@gmail.com', '+201001234567'],
      ['Omar', 'Khaled', 'omar.khaled@gmail.com', '+201112345678'],
      ['Nour', 'Hassan', 'nour.hassan@gmail.com', '+201223456789'],
    ];
    for (const [firstName, lastName, email, mobile] of people) {
      for (const channel of ['web', 'pos']) {
        await client.upsert({
          customerId: `${channel}-${firstName}`,
          email,
          mobile,
          customerAttributes: { firstName, lastName },
        });
      }
    }
    while ((await scoreRound(server.store, { accountId: keys.id })) > 0);
    const whole = (await client.api.GET('/api/v4.0/integrations/duplicates', { params: { query: { limit: 100 } } }))
      .data!.suggestions;
    assert.deepEqual(
      whole.map((s) => s.profiles.map((p) => p.customerIds[0]).sort()).sort(),
      people.map(([firstName]) => [`pos-${firstName}`, `web-${firstName}`]).sort(),
    );
    sent.length = 0;
    const found = [];
    for await (const suggestion of client.duplicates({ limit: 2 })) found.push(suggestion);
    assert.deepEqual(found, whole);
    assert.equal(sent.length, 2, 'two pages');
  });

  test("real deliveries verify with their subscription's secret and scheme (Standard Webhooks, the default, and hmac-sha256), and not with a wrong secret, scheme or body", async () => {
    const keys = await server.newAccount();
    const receivers = { standard: await startReceiver(), legacy: await startReceiver() };
    const subscribe = (url: string, signature?: string) =>
      addSubscription(server.store, keys.id, url, ['customer.profile.updated'], {
        allowPrivate: true,
        ...(signature && { signature }),
      });
    const standard = await subscribe(receivers.standard.url);
    const legacy = await subscribe(receivers.legacy.url, 'hmac-sha256');
    assert.equal(standard.signature, 'standard-webhooks');
    await new PatronClient({ baseUrl: server.baseUrl, ...keys }).upsert({ customerId: 'hook-1', email: 'h@shop.io' });
    const worker = new WebhookWorker(
      server.store,
      { retryDelays: [1], pollMs: 50, timeoutMs: 5000, allowPrivate: true },
      pino({ level: 'silent' }),
    );
    const delivered = () => receivers.standard.received.length > 0 && receivers.legacy.received.length > 0;
    try {
      await waitUntil(async () => (await worker.deliverDue(), delivered()), { what: 'a delivery to each' });
    } finally {
      await worker.stop(); // closes its connections, so the receivers can close
    }
    const cases = [
      { scheme: 'standard-webhooks' as const, secret: standard.secret, received: receivers.standard.received[0]! },
      { scheme: 'hmac-sha256' as const, secret: legacy.secret, received: receivers.legacy.received[0]! },
    ];
    for (const { scheme, secret, received } of cases) {
      const { headers, raw } = received;
      const event = verifyWebhook<{ customer_id: string }>({ secret, headers, body: raw, scheme });
      assert.equal(event.customer_id, 'hook-1', scheme);
      const wrong = [
        { scheme, secret: cases.find((c) => c.scheme !== scheme)!.secret, headers, body: raw },
        { scheme, secret, headers, body: raw.replace('hook-1', 'hook-2') },
        { scheme: cases.find((c) => c.scheme !== scheme)!.scheme, secret, headers, body: raw },
        { scheme: 'gameball-v4' as const, secret, headers, body: raw },
      ];
      for (const input of wrong)
        assert.throws(() => verifyWebhook(input), WebhookVerificationError, `${scheme} as ${input.scheme}`);
    }
  });
});
