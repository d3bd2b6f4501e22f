import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { CUSTOMERS } from '../helpers/app.js';
import { startTestServer } from '../helpers/server.js';
import { client } from '../helpers/client.js';

const server = await startTestServer();

describe('the official mobile SDK request, verbatim, over a real socket', async () => {
  for (const mergeBy of ['none', 'email'] as const) {
    test(`answers 200 and every field is readable afterwards (mergeBy ${mergeBy})`, async () => {
      const keys = await server.newAccount({ mergeBy });
      const api = client(server.baseUrl, keys);
      await api.upsert({ customerId: 'sdk-referrer', email: 'referrer@shop.io' });
      const referrerCode = (await api.get('sdk-referrer')).json().referralCode as string;

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

      const details = (await api.details('sdk-user-1')).json();
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

describe('field names of the official SDKs (compatibility aliases)', () => {
  const post = (apiKey: string, headers: Record<string, string>, body: object) =>
    request(`${server.baseUrl}${CUSTOMERS}`, {
      method: 'POST',
      headers: { APIKey: apiKey, 'Content-Type': 'application/json; charset=UTF-8', ...headers },
      body: JSON.stringify(body),
    });

  test('Android/iOS SDK: pushServiceProvider is stored as the device provider (Huawei and Firebase stay apart)', async () => {
    const keys = await server.newAccount();
    const api = client(server.baseUrl, keys);
    const body = {
      customerId: 'android-1',
      deviceToken: 'hms-token-1',
      pushServiceProvider: 'Huawei',
      osType: 'Android',
      guest: false,
      customerAttributes: { channel: 'mobile', displayName: 'Android User', custom: { tier: 'gold' } },
    };
    const res = await post(keys.apiKey, { lang: 'en', 'x-gb-agent': 'GB/android/3.2.1' }, body);
    assert.equal(res.statusCode, 200, await res.body.text());
    const details = (await api.details('android-1')).json();
    assert.equal(details.pushProvider, 'Huawei');
    assert.equal(details.deviceToken, 'hms-token-1');
    assert.equal(details.osType, 'Android');

    const ios = await post(
      keys.apiKey,
      { lang: 'en', 'x-gb-agent': 'GB/iOS/3.2.2' },
      { customerId: 'ios-1', deviceToken: 'fcm-1', pushServiceProvider: 'Firebase', osType: 'iOS' },
    );
    assert.equal(ios.statusCode, 200, await ios.body.text());
    assert.equal((await api.details('ios-1')).json().pushProvider, 'Firebase');
  });

  test('React Native SDK: a top-level referralCode is the referrer’s code', async () => {
    const keys = await server.newAccount({ referralCompletion: 'signup' });
    const api = client(server.baseUrl, keys);
    await api.upsert({ customerId: 'rn-referrer' });
    const code = (await api.get('rn-referrer')).json().referralCode as string;
    const res = await post(
      keys.apiKey,
      { OS: 'android', SDKVersion: '3.1.2', 'X-GB-Agent': 'GB/ReactNative/3.1.2' },
      {
        customerId: 'rn-friend',
        referralCode: code.toLowerCase(),
        isGuest: false,
        pushProvider: 'Firebase',
        deviceToken: 'fcm-rn',
      },
    );
    assert.equal(res.statusCode, 200, await res.body.text());
    assert.equal((await api.get('rn-friend')).json().isReferred, true);
    const referrals = await request(`${server.baseUrl}${CUSTOMERS}/rn-referrer/referrals`, {
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
    });
    const listed = (await referrals.body.json()) as { referredFriends: Array<{ customerId?: string; status: string }> };
    assert.deepEqual(
      listed.referredFriends.map((f) => [f.customerId, f.status]),
      [['rn-friend', 'Active']],
    );
  });

  test('an alias and its field may both be sent when they agree; when they differ → 422 naming the alias, nothing written', async () => {
    const keys = await server.newAccount();
    const api = client(server.baseUrl, keys);
    await api.upsert({ customerId: 'referrer-2' });
    const code = (await api.get('referrer-2')).json().referralCode as string;

    const agree = await post(
      keys.apiKey,
      {},
      {
        customerId: 'both-ok',
        referrerCode: code,
        referralCode: ` ${code.toLowerCase()} `,
        deviceToken: 't',
        pushProvider: 'Huawei',
        pushServiceProvider: 'Huawei',
      },
    );
    assert.equal(agree.statusCode, 200, await agree.body.text());
    assert.equal((await api.details('both-ok')).json().pushProvider, 'Huawei');

    for (const [alias, body] of [
      [
        'pushServiceProvider',
        { customerId: 'clash-1', deviceToken: 't', pushProvider: 'Firebase', pushServiceProvider: 'Huawei' },
      ],
      ['referralCode', { customerId: 'clash-2', referrerCode: code, referralCode: 'SOMEONE9' }],
    ] as const) {
      const res = await post(keys.apiKey, {}, body);
      const answer = (await res.body.json()) as { code: number; message: string };
      assert.equal(res.statusCode, 422, JSON.stringify(answer));
      assert.equal(answer.code, 3003);
      assert.match(answer.message, new RegExp(`'${alias}'`));
      assert.equal((await api.get(body.customerId)).statusCode, 404, 'nothing was written');
    }
  });
});

describe('the Salesforce Commerce Cloud cartridge’s erasure call', () => {
  test('POST …/{id}/delete with APIKey + SecretKey and body {} erases; a repeat is 404 with Gameball’s code 7000 and a requestId', async () => {
    const keys = await server.newAccount();
    const api = client(server.baseUrl, keys);
    await api.upsert({ customerId: 'sfcc-00042', email: 'shopper@sfcc.io' });
    const erase = () =>
      request(`${server.baseUrl}${CUSTOMERS}/${encodeURIComponent('sfcc-00042')}/delete`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', APIKey: keys.apiKey, SecretKey: keys.secretKey },
        body: '{}',
      });
    const first = await erase();
    assert.equal(first.statusCode, 200, await first.body.text());
    const again = await erase();
    const body = (await again.body.json()) as { code: number; requestId: string };
    assert.deepEqual([again.statusCode, body.code], [404, 7000]);
    assert.ok(body.requestId, 'the cartridge trusts a 404 only when it carries a requestId');
    assert.equal((await api.details('sfcc-00042')).statusCode, 404);
  });
});
