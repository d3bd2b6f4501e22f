import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertOperationConforms, reference } from '../helpers/reference.js';
import { http, startTestServer } from '../helpers/server.js';
import { client } from '../helpers/client.js';

const server = await startTestServer();
const keys = await server.newAccount({ mergeBy: 'email', referralLinkBase: 'https://shop.example/r' });
const api = client(server.baseUrl, keys);
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
const I = '/api/v4.0/integrations';

await api.upsert({ customerId: 'ref', email: 'ref@x.io', customerAttributes: { displayName: 'Ref' } });
const code = (await api.get('ref')).json().referralCode as string;
await api.upsert({
  customerId: 'friend',
  email: 'friend@x.io',
  mobile: '+201001234567',
  referrerCode: code,
  customerAttributes: { displayName: 'Friend', totalOrders: 1 },
});
await api.upsert({ customerId: 'friend-2', email: 'friend2@x.io', referrerCode: code });
await api.upsert({ customerId: 'doomed', email: 'doomed@x.io' });
await api.upsert({ customerId: 'doomed-2', email: 'doomed2@x.io' });

/** [reference path, method, concrete request] for every customer operation but the batch ones. */
const operations: Array<[string, 'get' | 'post' | 'put' | 'delete', string, unknown]> = [
  [`${I}/customers`, 'post', `${I}/customers`, { customerId: 'friend', customerAttributes: { city: 'Cairo' } }],
  [`${I}/customers/{customerId}`, 'get', `${I}/customers/friend`, undefined],
  [`${I}/customers/{customerId}/details`, 'get', `${I}/customers/friend/details`, undefined],
  [`${I}/customers/{customerId}/activate`, 'put', `${I}/customers/friend/activate`, { isActive: true }],
  [`${I}/customers/{customerId}/hash`, 'get', `${I}/customers/friend/hash`, undefined],
  [`${I}/referrals/validate`, 'get', `${I}/referrals/validate?referrerCode=${code}&forCustomerId=friend`, undefined],
  [`${I}/customers/{customerId}/referrals`, 'get', `${I}/customers/ref/referrals?limit=1`, undefined],
  [`${I}/customers/{customerId}/referrals/count`, 'get', `${I}/customers/ref/referrals/count`, undefined],
  [`${I}/customers/{customerId}/tags`, 'post', `${I}/customers/friend/tags`, { tags: 'vip, gamer' }],
  [`${I}/customers/{customerId}/tags`, 'delete', `${I}/customers/friend/tags`, { tags: 'gamer' }],
  [`${I}/customers/{customerId}/tags/{tag}`, 'delete', `${I}/customers/friend/tags/vip`, undefined],
  [`${I}/customers/{customerId}`, 'delete', `${I}/customers/doomed`, undefined],
];

describe('every customer operation answers as the reference publishes', () => {
  for (const [path, method, url, body] of operations) {
    test(`${method.toUpperCase()} ${path}`, async () => {
      const needsSecret = 'secretKey' in (reference.paths[path]![method]!.security?.[0] ?? {});
      if (needsSecret) {
        const without = await http(server.baseUrl, method.toUpperCase() as 'GET', url, { apikey: keys.apiKey }, body);
        assert.equal(without.body.code, 1001, 'needs the secretkey as published');
      }
      const res = await http(
        server.baseUrl,
        method.toUpperCase() as 'GET',
        url,
        needsSecret ? auth : { apikey: keys.apiKey },
        body,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assertOperationConforms(path, method, res.body);
    });
  }

  test('POST /customers/{id}/delete (the POST form of delete) answers 200, and the customer is gone', async () => {
    assert.equal(
      (await http(server.baseUrl, 'GET', `${I}/customers/doomed-2/details`, auth)).status,
      200,
      'there before',
    );
    const res = await http(server.baseUrl, 'POST', `${I}/customers/doomed-2/delete`, auth);
    assert.equal(res.status, 200);
    const after = await http(server.baseUrl, 'GET', `${I}/customers/doomed-2/details`, auth);
    assert.deepEqual([after.status, after.body.code], [404, 7000]);
  });

  test('every reference operation outside batches is served', () => {
    const served = new Set(operations.map(([path, method]) => `${method} ${path}`));
    for (const [path, methods] of Object.entries(reference.paths)) {
      if (path.includes('batch')) continue;
      for (const method of Object.keys(methods))
        assert.ok(served.has(`${method} ${path}`), `${method} ${path} is covered`);
    }
  });
});
