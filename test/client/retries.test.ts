import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { PatronClient, type RetryOptions } from '../../packages/client/src/index.js';
import { retryAfterMs } from '../../packages/client/src/retry.js';
import { patronError } from '../helpers/patron-client.js';

// The client's retries against a small local server that answers as each test scripts it:
// what Patron answers when a request may be repeated (429, 503, 409 with 4009 or 4019), and
// what it answers when it may not.

/** An answer of the scripted server (a string body is sent as it is); 'reset' drops the connection instead (a network error). */
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'reset';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let script: Answer[] = [];

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const answer = script.shift() ?? {
      status: 500,
      body: { code: 5000, message: 'the test scripted no more answers' },
    };
    if (answer === 'reset') return void req.socket.destroy();
    res
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A client of the scripted server; the answers it will get, in order. */
function scripted(answers: Answer[], retry: Partial<RetryOptions> = {}, idempotencyKeys = true) {
  seen.length = 0;
  script = [...answers];
  return new PatronClient({ baseUrl, apiKey: 'pk', secretKey: 'sk', retry, idempotencyKeys });
}

const UPSERTED = { status: 200, body: { gameballId: 7 } };
const error = (status: number, code: number, headers: Record<string, string> = {}): Answer => ({
  status,
  headers,
  body: { code, type: 'Request Error', message: `refused with ${code}`, requestId: `req-${code}` },
});
const keysOf = () => seen.map((s) => s.headers['idempotency-key']);

describe('retries, with the same Idempotency-Key on every attempt of a write', () => {
  test('503 with Retry-After: 1, then 200: waits the second it was told, sends the same key and body again', async () => {
    // No backoff of its own: only Retry-After can make it wait.
    const client = scripted([error(503, 5003, { 'retry-after': '1' }), UPSERTED], { baseDelayMs: 0 });
    const began = Date.now();
    assert.deepEqual(await client.upsert({ customerId: 'c-1' }), { gameballId: 7 });
    assert.ok(Date.now() - began >= 950, `retried after ${Date.now() - began} ms`);
    assert.equal(seen.length, 2);
    assert.match(String(keysOf()[0]), /^[0-9a-f-]{36}$/);
    assert.equal(keysOf()[1], keysOf()[0]);
    assert.deepEqual([seen[1]!.body, seen[1]!.url], [seen[0]!.body, seen[0]!.url]);
  });

  test('429 with Retry-After: 0, then 200', async () => {
    const client = scripted([error(429, 4029, { 'retry-after': '0' }), UPSERTED]);
    assert.deepEqual(await client.upsert({ customerId: 'c-1' }), { gameballId: 7 });
    assert.equal(seen.length, 2);
    assert.equal(keysOf()[1], keysOf()[0]);
  });

  test('409 4019 (the same key still running), then 409 4009 (a write conflict) without Retry-After, then 200', async () => {
    const client = scripted([error(409, 4019, { 'retry-after': '0' }), error(409, 4009), UPSERTED], { baseDelayMs: 1 });
    assert.deepEqual(await client.upsert({ customerId: 'c-1' }, { idempotencyKey: 'mine' }), { gameballId: 7 });
    assert.deepEqual(keysOf(), ['mine', 'mine', 'mine']);
  });

  test('a Retry-After given as an HTTP date is honoured too', async () => {
    const client = scripted([error(503, 5004, { 'retry-after': new Date(Date.now() - 1000).toUTCString() }), UPSERTED]);
    assert.deepEqual(await client.upsert({ customerId: 'c-1' }), { gameballId: 7 });
    assert.equal(seen.length, 2);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('2', now), 2000);
    assert.equal(retryAfterMs('soon', now), undefined);
  });

  test('attempts are bounded: the last 503 is thrown', async () => {
    const client = scripted(Array(5).fill(error(503, 5003, { 'retry-after': '0' })), { attempts: 3 });
    const thrown = await patronError(client.get('c-1'));
    assert.deepEqual([thrown.status, thrown.code, seen.length], [503, 5003, 3]);
  });

  test('a Retry-After longer than maxDelayMs is not waited for: the answer is thrown at once', async () => {
    const client = scripted([error(429, 4029, { 'retry-after': '3600' }), UPSERTED]);
    const thrown = await patronError(client.upsert({ customerId: 'c-1' }));
    assert.deepEqual([thrown.status, seen.length], [429, 1]);
  });

  test('never retried: other 409s, other 4xx, 500', async () => {
    for (const [status, code] of [
      [409, 4024],
      [422, 3003],
      [404, 7000],
      [401, 1001],
      [500, 5000],
    ] as const) {
      const client = scripted([error(status, code, { 'retry-after': '0' }), UPSERTED]);
      const thrown = await patronError(client.upsert({ customerId: 'c-1' }));
      assert.deepEqual(
        [thrown.status, thrown.code, thrown.type, thrown.requestId, seen.length],
        [status, code, 'Request Error', `req-${code}`, 1],
      );
    }
  });

  test('a network error is retried for a read and for a keyed write (same key), not for a write without a key', async () => {
    const retry = { baseDelayMs: 1 };
    assert.deepEqual(await scripted(['reset', UPSERTED], retry).get('c-1'), { gameballId: 7 });
    assert.equal(seen.length, 2);
    assert.deepEqual(await scripted(['reset', UPSERTED], retry).upsert({ customerId: 'c-1' }), { gameballId: 7 });
    assert.equal(seen.length, 2);
    assert.equal(keysOf()[1], keysOf()[0]);

    const unkeyed = scripted(['reset', UPSERTED], retry, false);
    await assert.rejects(unkeyed.upsert({ customerId: 'c-1' }), TypeError);
    assert.deepEqual([seen.length, keysOf()], [1, [undefined]]);
  });

  test('an answer that is not Patron’s still throws PatronError: no code, the x-request-id header, the text', async () => {
    const client = scripted([
      { status: 502, headers: { 'x-request-id': 'from-header' }, body: '<html>bad gateway</html>' },
    ]);
    const thrown = await patronError(client.get('c-1'));
    assert.deepEqual(
      [thrown.status, thrown.code, thrown.requestId, thrown.body, thrown.message],
      [502, undefined, 'from-header', '<html>bad gateway</html>', 'HTTP 502'],
    );
  });
});
