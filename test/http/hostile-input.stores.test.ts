// Inputs an adversarial probe found to break Patron (500s, lost values, a profile bricked for
// good). Anyone with the public apiKey can send them; each must be answered with a documented
// error that names the field, and must write nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect } from 'node:net';
import { request } from 'undici';
import { CUSTOMERS, snapshot } from '../helpers/app.js';
import { http, startTestServer, type HttpResult } from '../helpers/server.js';
import { client, type ApiResponse } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';

const server = await startTestServer();
const keys = await server.newAccount({ mergeBy: 'email' });
const api = client(server.baseUrl, keys);
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
const I = '/api/v4.0/integrations';

/** Sends a body as raw text, so that it can hold what JSON.stringify would never write. */
async function rawUpsert(body: string): Promise<HttpResult> {
  const res = await request(`${server.baseUrl}${CUSTOMERS}`, {
    method: 'POST',
    headers: { apikey: keys.apiKey, 'content-type': 'application/json' },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

function assertDocumentedError(answer: HttpResult | ApiResponse, status: number, code: number, field?: string): void {
  const res =
    'statusCode' in answer
      ? { status: answer.statusCode, headers: answer.headers, body: answer.json() as Record<string, unknown> }
      : answer;
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['code', 'documentationUrl', 'message', 'requestId', 'type']);
  assert.equal(res.body.code, code);
  assert.equal(res.body.requestId, res.headers['x-request-id']);
  if (field) assert.match(String(res.body.message), new RegExp(`'${field.replace(/\./g, '\\.')}'`), `names ${field}`);
}

const nested = (levels: number) => {
  let value = '1';
  for (let i = 0; i < levels; i++) value = `[${value}]`;
  return value;
};

describe(`hostile input (${TEST_STORE})`, () => {
  test('deep nesting is refused before it is stored, so no profile can be bricked by it', async () => {
    await api.upsert({ customerId: 'deep', email: 'deep@x.io' });
    const before = await snapshot(server.store, keys.account.id);
    // body → customerAttributes → custom → deep: three levels before the array.
    const create = await rawUpsert(
      `{"customerId":"deep-new","email":"n@x.io","customerAttributes":{"custom":{"deep":${nested(3000)}}}}`,
    );
    assertDocumentedError(create, 422, 3003, 'customerAttributes.custom.deep');
    const update = await rawUpsert(`{"customerId":"deep","customerAttributes":{"custom":{"deep":${nested(30)}}}}`);
    assertDocumentedError(update, 422, 3003, 'customerAttributes.custom.deep');
    assert.deepEqual(await snapshot(server.store, keys.account.id), before, 'nothing written');

    // 32 levels in all are accepted, and the profile stays writable through every route.
    const deepest = await rawUpsert(`{"customerId":"deep","customerAttributes":{"custom":{"deep":${nested(28)}}}}`);
    assert.equal(deepest.status, 200, JSON.stringify(deepest.body));
    assert.equal((await api.upsert({ customerId: 'deep', customerAttributes: { city: 'later' } })).statusCode, 200);
    assert.equal((await http(server.baseUrl, 'POST', `${CUSTOMERS}/deep/tags`, auth, { tags: 'vip' })).status, 200);
    assert.equal(
      (await http(server.baseUrl, 'PUT', `${CUSTOMERS}/deep/activate`, auth, { isActive: false })).status,
      200,
    );
    assert.equal((await api.details('deep')).statusCode, 200);
  });

  test('NUL characters are refused in bodies, paths and query strings, never answered 500', async () => {
    await api.upsert({ customerId: 'nul', email: 'nul@x.io' });
    const before = await snapshot(server.store, keys.account.id);
    assertDocumentedError(
      await rawUpsert('{"customerId":"nul","customerAttributes":{"displayName":"a\\u0000b"}}'),
      422,
      3003,
      'customerAttributes.displayName',
    );
    assertDocumentedError(await rawUpsert('{"customerId":"a\\u0000b","email":"z@x.io"}'), 422, 3003, 'customerId');
    assertDocumentedError(
      await rawUpsert('{"customerId":"nul","customerAttributes":{"custom":{"k\\u0000":1}}}'),
      422,
      3003,
      'customerAttributes.custom',
    );
    const paths: Array<['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown]> = [
      ['GET', `${CUSTOMERS}/a%00b`, undefined],
      ['GET', `${CUSTOMERS}/a%00b/details`, undefined],
      ['PUT', `${CUSTOMERS}/a%00b/activate`, { isActive: true }],
      ['GET', `${CUSTOMERS}/a%00b/hash`, undefined],
      ['GET', `${CUSTOMERS}/a%00b/referrals`, undefined],
      ['GET', `${CUSTOMERS}/a%00b/referrals/count`, undefined],
      ['POST', `${CUSTOMERS}/a%00b/tags`, { tags: 'x' }],
      ['DELETE', `${CUSTOMERS}/nul/tags/a%00b`, undefined],
      ['DELETE', `${CUSTOMERS}/a%00b`, undefined],
      ['POST', `${CUSTOMERS}/a%00b/delete`, undefined],
      ['GET', `${I}/batches/1%00/status`, undefined],
    ];
    for (const [method, path, body] of paths)
      assertDocumentedError(await http(server.baseUrl, method, path, auth, body), 404, 4004);
    const validate = await http(server.baseUrl, 'GET', `${I}/referrals/validate?referrerCode=a%00b`, {
      apikey: keys.apiKey,
    });
    assertDocumentedError(validate, 422, 3003, 'referrerCode');
    assert.deepEqual(await snapshot(server.store, keys.account.id), before, 'nothing written');
  });

  test('lone surrogates are not text: refused on both stores alike', async () => {
    const before = await snapshot(server.store, keys.account.id);
    assertDocumentedError(
      await rawUpsert('{"customerId":"sur","email":"s@x.io","customerAttributes":{"displayName":"x\\ud800"}}'),
      422,
      3003,
      'customerAttributes.displayName',
    );
    assertDocumentedError(
      await rawUpsert('{"customerId":"sur","email":"s@x.io","customerAttributes":{"custom":{"k":"\\udc00y"}}}'),
      422,
      3003,
      'customerAttributes.custom.k',
    );
    assert.deepEqual(await snapshot(server.store, keys.account.id), before);
    // A surrogate pair (an emoji) is text, and round-trips.
    assert.equal(
      (
        await rawUpsert(
          '{"customerId":"emoji","email":"e@x.io","customerAttributes":{"displayName":"\\ud83d\\ude00 ok"}}',
        )
      ).status,
      200,
    );
    assert.equal(
      (await api.details('emoji')).json().customerAttributes &&
        ((await api.details('emoji')).json().customerAttributes as Record<string, unknown>).displayName,
      '😀 ok',
    );
  });

  test('numbers beyond the finite range are refused, not stored as null', async () => {
    await api.upsert({ customerId: 'inf', email: 'inf@x.io' });
    const before = await snapshot(server.store, keys.account.id);
    for (const [field, json] of [
      ['customerAttributes.totalOrders', '{"totalOrders":1e309}'],
      ['customerAttributes.totalSpent', '{"totalSpent":-1e309}'],
      ['customerAttributes.custom.k', '{"custom":{"k":1e309}}'],
    ] as const) {
      assertDocumentedError(await rawUpsert(`{"customerId":"inf","customerAttributes":${json}}`), 422, 3003, field);
    }
    assert.deepEqual(await snapshot(server.store, keys.account.id), before);
  });

  test('paths that are not UTF-8 and oversized headers get the documented error body', async () => {
    for (const path of ['%FF', '%C0%AF', '%ED%A0%80', '%']) {
      assertDocumentedError(
        await http(server.baseUrl, 'GET', `${CUSTOMERS}/${path}`, { apikey: keys.apiKey }),
        404,
        4004,
      );
    }
    const res = await request(`${server.baseUrl}${CUSTOMERS}/x`, { headers: { apikey: 'k'.repeat(40_000) } });
    const body = JSON.parse(await res.body.text()) as Record<string, unknown>;
    assertDocumentedError({ status: res.statusCode, headers: res.headers, body }, 431, 3015);

    // A header line no HTTP parser can read: no request exists yet, the socket still gets the shape.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.baseUrl).port), '127.0.0.1', () =>
        socket.end(`GET ${CUSTOMERS}/x HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head = '', text = ''] = raw.split('\r\n\r\n');
    const requestId = /^x-request-id: (.+)$/im.exec(head)?.[1];
    assertDocumentedError(
      {
        status: Number(head.split(' ')[1]),
        headers: { 'x-request-id': requestId },
        body: JSON.parse(text) as Record<string, unknown>,
      },
      400,
      3012,
    );
  });

  test('customerAttributes.tags is where answers show the tag list: an attribute of that name is refused, not lost', async () => {
    await api.upsert({ customerId: 'tagged', email: 'tagged@x.io' });
    await http(server.baseUrl, 'POST', `${CUSTOMERS}/tagged/tags`, auth, { tags: 'vip' });
    const before = await snapshot(server.store, keys.account.id);
    assertDocumentedError(
      await api.upsert({ customerId: 'tagged', customerAttributes: { tags: 'not-a-tag-list' } }),
      422,
      3003,
      'customerAttributes.tags',
    );
    assert.deepEqual(await snapshot(server.store, keys.account.id), before);
    assert.deepEqual(((await api.details('tagged')).json().customerAttributes as Record<string, unknown>).tags, [
      'vip',
    ]);
  });

  test("3008 names the field but not the other profile's ids, unless the caller proved the secretKey", async () => {
    const mine = (await api.upsert({ customerId: 'owner', email: 'taken@x.io' })).json().gameballId as number;
    const other = (await api.upsert({ customerId: 'other', email: 'other@x.io' })).json().gameballId as number;
    const publicCaller = await api.upsert({ customerId: 'other', email: 'taken@x.io' });
    assertDocumentedError(publicCaller, 422, 3008);
    assert.match(String(publicCaller.json().message), /email/);
    assert.doesNotMatch(
      String(publicCaller.json().message),
      /gameballId|\d{1,}(?![^"]*")/,
      'no gameballId for an apiKey-only caller',
    );
    const wrongSecret = await http(
      server.baseUrl,
      'POST',
      CUSTOMERS,
      { apikey: keys.apiKey, secretkey: 'sk_wrong' },
      { customerId: 'other', email: 'taken@x.io' },
    );
    assert.doesNotMatch(String(wrongSecret.body.message), /gameballId/);
    const backend = await http(server.baseUrl, 'POST', CUSTOMERS, auth, { customerId: 'other', email: 'taken@x.io' });
    assertDocumentedError(backend, 422, 3008);
    assert.match(String(backend.body.message), new RegExp(`gameballId ${mine}\\b`));
    assert.match(String(backend.body.message), new RegExp(`gameballId ${other}\\b`));
  });

  test('a bodiless POST that says Content-Type: application/json is read as no body', async () => {
    await api.upsert({ customerId: 'gone', email: 'gone@x.io' });
    const res = await request(`${server.baseUrl}${CUSTOMERS}/gone/delete`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '',
    });
    assert.equal(res.statusCode, 200, await res.body.text());
    await api.upsert({ customerId: 'gone-2', email: 'gone2@x.io' });
    assert.equal(
      (await http(server.baseUrl, 'POST', `${CUSTOMERS}/gone-2/delete`, auth, {})).status,
      200,
      '{} is no body too',
    );
    const batch = await http(server.baseUrl, 'POST', `${I}/batch/customers`, auth, {
      body: [{ customerId: 'b', email: 'b@x.io' }],
    });
    const stop = await request(`${server.baseUrl}${I}/batches/${batch.body.jobId}/stop`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '',
    });
    assert.equal(stop.statusCode, 200, await stop.body.text());
  });
});
