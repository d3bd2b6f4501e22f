import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { CUSTOMERS } from '../helpers/app.js';
import { httpClient, startTestServer } from '../helpers/server.js';

const server = await startTestServer();

describe('the official mobile SDK request, verbatim, over a real socket', async () => {
  for (const mergeBy of ['none', 'email'] as const) {
    test(`answers 200 and every field is readable afterwards (mergeBy ${mergeBy})`, async () => {
      const keys = await server.newAccount({ mergeBy });
      const api = httpClient(server.baseUrl, keys);
      await api.upsert({ customerId: 'sdk-referrer', email: 'referrer@shop.io' });
      const referrerCode = (await api.get('sdk-referrer')).body.referralCode as string;

      const body = {
        customerId: 'sdk-user-1',
        email: 'sdk.user@shop.io',
        mobile: '+201001234567',
        deviceToken: 'fcm-token-abc123',
        pushProvider: 'Firebase',
        osType: 'Android',
        isGuest: false,
        referrerCode,
        customerAttributes: {
          channel: 'mobile',
          displayName: 'Sdk User',
          preferredLanguage: 'ar',
          custom: { favouriteCategory: 'shoes', vip: true },
          appVersion: '5.2.1',
          deviceModel: 'Pixel 8',
          loginCount: 12,
        },
      };
      const res = await request(`${server.baseUrl}${CUSTOMERS}`, {
        method: 'POST',
        headers: {
          APIKey: keys.apiKey,
          OS: 'Android',
          SDKVersion: '3.1.0',
          'X-GB-Agent': 'GB/Android/3.1.0',
          'Content-Type': 'application/json; charset=utf-8',
        },
        body: JSON.stringify(body),
      });
      const answer = (await res.body.json()) as { gameballId: number };
      assert.equal(res.statusCode, 200, JSON.stringify(answer));
      assert.ok(answer.gameballId > 0);

      const details = (await api.details('sdk-user-1')).body;
      const attributes = details.customerAttributes as Record<string, unknown>;
      assert.equal(details.gameballId, answer.gameballId);
      assert.equal(details.email, body.email);
      assert.equal(details.mobile, body.mobile);
      assert.equal(details.deviceToken, body.deviceToken);
      assert.equal(details.pushProvider, body.pushProvider);
      assert.equal(details.osType, body.osType);
      assert.equal(details.isGuest, false);
      assert.equal(details.guest, false);
      assert.equal(details.isReferred, true);
      for (const [key, value] of Object.entries(body.customerAttributes)) assert.deepEqual(attributes[key], value, key);
    });
  }
});
