import assert from 'node:assert/strict';
import { TEST_STORE } from '../helpers/store.js';
import { describe, test } from 'node:test';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { errorCatalogue } from '../../src/errors.js';

const t = await buildTestApp();
const keys = await t.newAccount();
const api = client(t.app, keys);

describe('error answers', () => {
  test('every error is JSON {code, type, message, documentationUrl, requestId}', async () => {
    const answers = [
      await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/x` }),
      await api.get('missing'),
      await api.upsert({}),
      await t.app.inject({ method: 'GET', url: '/no/such/route' }),
    ];
    for (const res of answers) {
      assert.match(String(res.headers['content-type']), /application\/json/);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['code', 'documentationUrl', 'message', 'requestId', 'type']);
      assert.equal(typeof body.code, 'number');
      assert.ok(body.message.length > 10);
      assert.match(body.documentationUrl, /^https?:\/\/.+/);
      assert.equal(body.requestId, res.headers['x-request-id'], 'the same requestId is sent as x-request-id');
    }
  });

  test('every answer has an x-request-id, successes too', async () => {
    const res = await api.upsert({ customerId: 'rid' });
    assert.ok(String(res.headers['x-request-id']).length >= 8);
  });

  test("a caller's own x-request-id is kept", async () => {
    const res = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/x`, headers: { 'x-request-id': 'trace-123' } });
    assert.equal(res.headers['x-request-id'], 'trace-123');
    assert.equal(res.json().requestId, 'trace-123');
  });

  test('the documentationUrl leads to the error catalogue', async () => {
    const res = await api.get('missing');
    const url = new URL(res.json().documentationUrl);
    const catalogue = await t.app.inject({ method: 'GET', url: url.pathname });
    assert.equal(catalogue.statusCode, 200);
    assert.ok((catalogue.json() as Array<{ code: number }>).some((e) => e.code === 4004));
  });

  test('an unexpected failure is 500 code 5000 without internals', async () => {
    // A store that fails: close it under a second app to see the 500 path.
    const broken = await buildTestApp();
    const brokenKeys = await broken.newAccount();
    await broken.store.db.schema.dropTable('customer_ids').execute();
    const res = await client(broken.app, brokenKeys).get('x');
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().code, 5000);
    assert.equal(res.json().type, 'Server Error');
    assert.doesNotMatch(res.json().message, /customer_ids|SQL|no such table/i);
  });
});

describe('GET /errors: the catalogue every documentationUrl points into', () => {
  const codes = Object.values(errorCatalogue).map((e) => e.code);

  test('JSON for programs (no Accept, or JSON asked first): every code with its status, type and meaning', async () => {
    for (const accept of [undefined, 'application/json', 'application/json, text/html']) {
      const res = await t.app.inject({ method: 'GET', url: '/errors', headers: accept ? { accept } : {} });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /application\/json/, String(accept));
      assert.deepEqual(
        res.json().map((e: { code: number }) => e.code),
        codes,
      );
      assert.deepEqual(Object.keys(res.json()[0]).sort(), ['code', 'description', 'status', 'type']);
    }
  });

  test("HTML for a browser, with a row per code whose id is the documentationUrl's anchor", async () => {
    const error = (await api.upsert({ customerId: 'e-1', customerAttributes: { totalOrders: 'many' } })).json();
    const anchor = new URL(error.documentationUrl).hash.slice(1);
    assert.equal(anchor, '3003');
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers.vary, 'Accept');
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    for (const code of codes) assert.match(res.body, new RegExp(`<tr id="${code}">`), `a row for ${code}`);
    assert.match(
      res.body,
      /<tr id="3003"><th scope="row"><a href="#3003">3003<\/a><\/th><td>422<\/td><td>Payload Error<\/td>/,
    );
  });
});

describe('rate limit (PATRON_RATE_LIMIT_PER_MINUTE)', () => {
  test('past the limit an apiKey gets 429 with Retry-After, in the error shape', async () => {
    const limited = await buildTestApp({ rateLimitPerMinute: 3 });
    const limitedApi = client(limited.app, await limited.newAccount());
    const other = client(limited.app, await limited.newAccount());
    for (let i = 0; i < 3; i++) assert.equal((await limitedApi.get('x')).statusCode, 404);
    const res = await limitedApi.get('x');
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal(res.json().type, 'Request Error');
    assert.equal(res.json().requestId, res.headers['x-request-id']);
    assert.equal((await other.get('x')).statusCode, 404, 'another apiKey has its own budget');
  });
});

describe('health', () => {
  test('/health answers while the process is alive', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/ready answers 200 when the store is reachable', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ready', store: TEST_STORE });
  });
});
