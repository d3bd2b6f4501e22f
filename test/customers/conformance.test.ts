import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CustomerAttributes, UpsertCustomerRequest } from '../../src/modules/customers/customers.schemas.js';
import { assertConforms, assertOperationConforms, reference } from '../helpers/reference.js';
import { http, startTestServer } from '../helpers/server.js';
import { client } from '../helpers/client.js';

const server = await startTestServer();
const keys = await server.newAccount({ mergeBy: 'email', referralLinkBase: 'https://shop.example/r' });
const api = client(server.baseUrl, keys);
const base = '/api/v4.0/integrations/customers';

const full = {
  customerId: 'conf-1',
  email: 'conf@x.io',
  mobile: '+201001234567',
  deviceToken: 'tok',
  osType: 'ios',
  customerAttributes: {
    displayName: 'Conf',
    firstName: 'C',
    lastName: 'F',
    email: 'conf@x.io',
    gender: 'M',
    mobile: '+201001234567',
    dateOfBirth: '1990-01-01',
    joinDate: '2024-01-01',
    country: 'EG',
    city: 'Cairo',
    zip: '1',
    preferredLanguage: 'en',
    source: 'web',
    utms: [{ utm_source: 'google' }],
    devices: [{ os: 'ios' }],
    paymentMethods: ['visa'],
    totalSpent: 10,
    lastOrderDate: '2024-02-01T00:00:00Z',
    totalOrders: 1,
    avgOrderAmount: 10,
    channel: 'web',
    custom: { a: 1, b: 'two' },
    extraKey: { nested: true },
  },
  guest: false,
};

describe('answers conform to the published reference schemas', () => {
  test('the test request itself is a valid UpsertCustomerRequest', () => {
    assertConforms('UpsertCustomerRequest', full);
  });

  test('POST /customers → UpsertCustomerResponse', async () => {
    const res = await api.upsert(full);
    assert.equal(res.statusCode, 200);
    assertOperationConforms(base, 'post', res.json());
  });

  test('GET /customers/{id} → CustomerResponse, for a full and a bare profile', async () => {
    await api.upsert({ customerId: 'conf-bare', email: 'bare@x.io', guest: true });
    for (const id of ['conf-1', 'conf-bare']) {
      const res = await api.get(id);
      assert.equal(res.statusCode, 200);
      assertOperationConforms(`${base}/{customerId}`, 'get', res.json());
    }
  });

  test('GET /customers/{id}/details → CustomerDetailsResponse, for a full and a bare profile', async () => {
    for (const id of ['conf-1', 'conf-bare']) {
      const res = await api.details(id);
      assert.equal(res.statusCode, 200);
      assertOperationConforms(`${base}/{customerId}/details`, 'get', res.json());
    }
  });

  test('Patron accepts every property the reference request declares', () => {
    const published = reference.components.schemas.UpsertCustomerRequest!;
    const ours = UpsertCustomerRequest.properties as Record<string, unknown>;
    for (const key of Object.keys(published.properties!)) assert.ok(key in ours, `request property ${key}`);
    const publishedAttributes = published.properties!.customerAttributes!.properties!;
    const ourAttributes = CustomerAttributes.properties as Record<string, unknown>;
    for (const key of Object.keys(publishedAttributes)) assert.ok(key in ourAttributes, `customerAttributes.${key}`);
  });

  test('each operation asks for exactly the keys the reference declares', async () => {
    const operations: Array<[string, 'get' | 'post', string, unknown]> = [
      [base, 'post', base, { customerId: 'conf-1' }],
      [`${base}/{customerId}`, 'get', `${base}/conf-1`, undefined],
      [`${base}/{customerId}/details`, 'get', `${base}/conf-1/details`, undefined],
    ];
    for (const [path, method, url, body] of operations) {
      const needsSecret = 'secretKey' in reference.paths[path]![method]!.security![0]!;
      const res = await http(
        server.baseUrl,
        method.toUpperCase() as 'GET' | 'POST',
        url,
        { apikey: keys.apiKey },
        body,
      );
      if (needsSecret) assert.equal(res.body.code, 1001, `${method} ${path} without secretkey`);
      else assert.equal(res.status, 200, `${method} ${path} with apikey only`);
    }
  });
});
