import assert from 'node:assert/strict';
import { newAccount } from '../helpers/accounts.js';
import { describe, test } from 'node:test';
import { CompactEncrypt, EncryptJWT, SignJWT } from 'jose';
import { request } from 'undici';
import { connect } from '../../src/db/connect.js';
import { buildApp } from '../../src/app.js';
import { changeAccount, rotateAccountKeys } from '../../src/modules/accounts/accounts.service.js';
import { CUSTOMERS } from '../helpers/app.js';
import { http, startTestServer } from '../helpers/server.js';
import { client } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';

const server = await startTestServer();
const V41 = '/api/v4.1/integrations/customers';

/**
 * A session token made the way Gameball's documentation tells a merchant's backend to (jose,
 * the SecretKey's UTF-8 bytes as the key for both the HS256 signature and the A256KW JWE).
 */
async function gameballToken(
  secretKey: string,
  claims: Record<string, unknown>,
  options: { expiresIn?: string | number; signKey?: string; noExp?: boolean } = {},
) {
  const key = new TextEncoder().encode(secretKey);
  let signer = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (!options.noExp) signer = signer.setExpirationTime(options.expiresIn ?? '1h');
  const jwt = await signer.sign(new TextEncoder().encode(options.signKey ?? secretKey));
  return new CompactEncrypt(new TextEncoder().encode(jwt))
    .setProtectedHeader({ alg: 'A256KW', enc: 'A256CBC-HS512' })
    .encrypt(key);
}

function sdkPost(path: string, headers: Record<string, string>, body: object) {
  return request(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=UTF-8', ...headers },
    body: JSON.stringify(body),
  });
}

async function answer(res: Awaited<ReturnType<typeof request>>) {
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe(`API v4.1 with both keys (${TEST_STORE})`, () => {
  test('every operation of the API is served under /api/v4.1 too, and there needs the secretKey', async () => {
    const keys = await server.newAccount();
    const doc = (await http(server.baseUrl, 'GET', '/openapi.json', {})).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v4.0/integrations'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map(
          (method) =>
            [
              method.toUpperCase(),
              path.replace('/api/v4.0/', '/api/v4.1/').replace(/\{[^}]+\}/g, 'v41-nobody'),
            ] as const,
        ),
      );
    assert.ok(operations.length >= 15, `only ${operations.length} operations found`);
    for (const [method, path] of operations) {
      const apiKeyOnly = await http(
        server.baseUrl,
        method as 'GET',
        path,
        { apikey: keys.apiKey },
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      assert.equal(apiKeyOnly.status, 401, `${method} ${path}: ${JSON.stringify(apiKeyOnly.body)}`);
      assert.equal(apiKeyOnly.body.code, 1001, `${method} ${path}`);
      const both = await http(
        server.baseUrl,
        method as 'GET',
        path,
        { apikey: keys.apiKey, secretkey: keys.secretKey },
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      assert.notEqual(both.status, 401, `${method} ${path}`);
      assert.doesNotMatch(String(both.body.message), /No operation at/, `${method} ${path} is not routed under v4.1`);
    }
  });

  test('v4.1 with both keys writes and reads the same profiles as v4.0', async () => {
    const keys = await server.newAccount();
    const both = { apikey: keys.apiKey, secretkey: keys.secretKey };
    const created = await http(server.baseUrl, 'POST', V41, both, {
      customerId: 'v41-a',
      email: 'a@v41.io',
      customerAttributes: { displayName: 'A' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const viaV40 = (await client(server.baseUrl, keys).details('v41-a')).json();
    assert.equal(viaV40.gameballId, created.body.gameballId);
    assert.equal(viaV40.email, 'a@v41.io');
    const viaV41 = await http(server.baseUrl, 'GET', `${V41}/v41-a/details`, both);
    assert.deepEqual(viaV41.body, viaV40);
    const unknown = await http(server.baseUrl, 'GET', '/api/v4.1/integrations/nothing-here', both);
    assert.deepEqual([unknown.status, unknown.body.code], [404, 4004]);
    assert.match(String(unknown.body.message), /GET \/api\/v4\.1\/integrations\/nothing-here/);
  });

  test('minimumApiVersion 4.1 refuses v4.0 calls with 403/1002 and nothing written; v4.1 keeps working; 4.0 (default) takes both', async () => {
    const keys = await server.newAccount();
    assert.equal(keys.account.minimumApiVersion, '4.0');
    assert.equal((await client(server.baseUrl, keys).upsert({ customerId: 'mv-0' })).statusCode, 200);
    await changeAccount(server.store, keys.account.id, { minimumApiVersion: '4.1' });
    const refused = await client(server.baseUrl, keys).upsert({ customerId: 'mv-1' });
    assert.deepEqual(
      [refused.statusCode, refused.json().code, refused.json().type],
      [403, 1002, 'Authentication Error'],
    );
    assert.match(String(refused.json().message), /minimum API version is 4\.1/);
    const both = { apikey: keys.apiKey, secretkey: keys.secretKey };
    assert.equal(
      (await http(server.baseUrl, 'GET', `${V41}/mv-1/details`, both)).body.code,
      7000,
      'the refused create wrote nothing',
    );
    assert.equal((await http(server.baseUrl, 'POST', V41, both, { customerId: 'mv-1' })).status, 200);
    const read = await http(server.baseUrl, 'GET', `${CUSTOMERS}/mv-1/details`, both);
    assert.deepEqual([read.status, read.body.code], [403, 1002], 'reads too, even with both keys');
    await assert.rejects(
      changeAccount(server.store, keys.account.id, { minimumApiVersion: '5.0' as never }),
      /minimumApiVersion.*4\.0, 4\.1/,
    );
  });
});

describe(`API v4.1 with an X-GB-TOKEN session token (${TEST_STORE})`, () => {
  test('Android SDK 3.2.1: create with the token instead of the secretKey; every field stored as sent', async () => {
    const keys = await server.newAccount({ referralCompletion: 'signup' });
    const api = client(server.baseUrl, keys);
    await api.upsert({ customerId: 'referrer-android' });
    const referrerCode = (await api.get('referrer-android')).json().referralCode as string;
    const token = await gameballToken(keys.secretKey, { customerId: 'android-41', customerEmail: 'and@shop.io' });
    const body = {
      customerId: 'android-41',
      deviceToken: 'hms-41',
      pushServiceProvider: 'Huawei',
      osType: 'Android',
      referrerCode,
      email: 'and@shop.io',
      mobile: '+201001234567',
      guest: false,
      customerAttributes: { channel: 'mobile', displayName: 'Droid', custom: { tier: 'gold' }, appVersion: '7.1' },
    };
    const res = await answer(
      await sdkPost(
        V41,
        { APIKey: keys.apiKey, lang: 'en', 'x-gb-agent': 'GB/android/3.2.1', 'X-GB-TOKEN': token },
        body,
      ),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const details = (await api.details('android-41')).json();
    assert.equal(details.gameballId, res.body.gameballId);
    assert.deepEqual(
      [details.pushProvider, details.deviceToken, details.osType, details.guest, details.isReferred],
      ['Huawei', 'hms-41', 'Android', false, true],
    );
    assert.deepEqual([details.email, details.mobile], [body.email, body.mobile]);
    assert.deepEqual((details.customerAttributes as Record<string, unknown>).appVersion, '7.1');

    const read = await answer(
      await request(`${server.baseUrl}${V41}/android-41`, {
        headers: { APIKey: keys.apiKey, 'X-GB-TOKEN': token, lang: 'en' },
      }),
    );
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.gameballId, res.body.gameballId);
    assert.equal('email' in read.body, false, 'a token does not unlock personal data');
  });

  test('iOS SDK 3.2.2 and React Native SDK 3.1.2 shapes, with tokens', async () => {
    const keys = await server.newAccount({ referralCompletion: 'signup' });
    const api = client(server.baseUrl, keys);
    await api.upsert({ customerId: 'referrer-rn' });
    const code = (await api.get('referrer-rn')).json().referralCode as string;
    const ios = await sdkPost(
      V41,
      {
        APIKey: keys.apiKey,
        lang: 'ar',
        'x-gb-agent': 'GB/iOS/3.2.2',
        'X-GB-TOKEN': await gameballToken(keys.secretKey, { customerId: 'ios-41' }),
      },
      {
        customerId: 'ios-41',
        deviceToken: 'apns-fcm-41',
        pushServiceProvider: 'Firebase',
        osType: 'iOS',
        guest: true,
        customerAttributes: { channel: 'mobile' },
      },
    );
    assert.equal(ios.statusCode, 200, await ios.body.text());
    const iosDetails = (await api.details('ios-41')).json();
    assert.deepEqual([iosDetails.pushProvider, iosDetails.osType, iosDetails.guest], ['Firebase', 'iOS', true]);

    const rn = await sdkPost(
      V41,
      {
        APIKey: keys.apiKey,
        OS: 'android',
        SDKVersion: '3.1.2',
        'X-GB-Agent': 'GB/ReactNative/3.1.2',
        'X-GB-TOKEN': await gameballToken(keys.secretKey, { customerId: 'rn-41' }),
      },
      {
        customerId: 'rn-41',
        referralCode: code,
        isGuest: false,
        pushProvider: 'Firebase',
        deviceToken: 'fcm-rn-41',
      },
    );
    assert.equal(rn.statusCode, 200, await rn.body.text());
    const rnDetails = (await api.details('rn-41')).json();
    assert.deepEqual([rnDetails.isReferred, rnDetails.isGuest, rnDetails.deviceToken], [true, false, 'fcm-rn-41']);
  });

  test('each way a token can be wrong → 401 with its own code and a message that says which; nothing written', async () => {
    const keys = await server.newAccount();
    const other = await server.newAccount();
    const body = { customerId: 'tok-1', customerAttributes: { displayName: 'T' } };
    const good = await gameballToken(keys.secretKey, { customerId: 'tok-1' });
    const [head, encryptedKey, iv, ciphertext, tag] = good.split('.') as [string, string, string, string, string];
    const flip = (part: string) => `${part.slice(0, -2)}${part.at(-2) === 'A' ? 'B' : 'A'}${part.at(-1)}`;
    const key = new TextEncoder().encode(keys.secretKey);
    const cases: Array<[string, string, number, RegExp]> = [
      [
        'expired',
        await gameballToken(keys.secretKey, { customerId: 'tok-1' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
        1102,
        /expired at \d{4}-/,
      ],
      [
        'made with another account’s key',
        await gameballToken(other.secretKey, { customerId: 'tok-1' }),
        1101,
        /not encrypted with this account's secretKey/,
      ],
      [
        'ciphertext altered',
        [head, encryptedKey, iv, flip(ciphertext), tag].join('.'),
        1101,
        /altered after it was made/,
      ],
      [
        'encrypted key altered',
        [head, flip(encryptedKey), iv, ciphertext, tag].join('.'),
        1101,
        /not encrypted with this account's secretKey/,
      ],
      [
        'signed with another key',
        await gameballToken(keys.secretKey, { customerId: 'tok-1' }, { signKey: other.secretKey }),
        1101,
        /not signed with this account's secretKey/,
      ],
      [
        'for another customer',
        await gameballToken(keys.secretKey, { customerId: 'someone-else' }),
        1103,
        /customerId is not the customerId of this call/,
      ],
      [
        'without exp',
        await gameballToken(keys.secretKey, { customerId: 'tok-1' }, { noExp: true }),
        1101,
        /exp claim: it is required/,
      ],
      [
        'without customerId',
        await gameballToken(keys.secretKey, { customerEmail: 'x@y.io' }),
        1101,
        /no customerId claim/,
      ],
      ['not a JWE', 'not-a-token', 1101, /not a compact JWE/],
      [
        'a plain signed JWT',
        await new SignJWT({ customerId: 'tok-1' })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1h')
          .sign(key),
        1101,
        /not a compact JWE/,
      ],
      [
        'other algorithms',
        await new EncryptJWT({ customerId: 'tok-1' })
          .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
          .setExpirationTime('1h')
          .encrypt(key),
        1101,
        /must be encrypted with alg A256KW and enc A256CBC-HS512 \(got alg dir, enc A256GCM\)/,
      ],
      [
        'JWE holding claims, not a signed JWT',
        await new EncryptJWT({ customerId: 'tok-1' })
          .setProtectedHeader({ alg: 'A256KW', enc: 'A256CBC-HS512' })
          .setExpirationTime('1h')
          .encrypt(key),
        1101,
        /does not hold a signed JWT/,
      ],
      ['far too long', `${good}${'A'.repeat(5000)}`, 1101, /longer than 4096/],
    ];
    for (const [why, token, code, message] of cases) {
      const res = await answer(await sdkPost(V41, { APIKey: keys.apiKey, 'X-GB-TOKEN': token }, body));
      assert.deepEqual(
        [res.status, res.body.code, res.body.type],
        [401, code, 'Authentication Error'],
        `${why}: ${JSON.stringify(res.body)}`,
      );
      assert.match(String(res.body.message), message, why);
      const read = await answer(
        await request(`${server.baseUrl}${V41}/tok-1`, { headers: { APIKey: keys.apiKey, 'X-GB-TOKEN': token } }),
      );
      assert.equal(read.status, 401, `${why} (get)`);
    }
    const stored = await client(server.baseUrl, keys).details('tok-1');
    assert.deepEqual([stored.statusCode, stored.json().code], [404, 7000], 'no rejected token wrote anything');
    assert.equal(
      (await answer(await sdkPost(V41, { APIKey: keys.apiKey, 'X-GB-TOKEN': good }, body))).status,
      200,
      'the untouched token works',
    );
  });

  test('a token stands in for the secretKey only on create/update and get customer; a bad token is refused even beside a good secretKey', async () => {
    const keys = await server.newAccount();
    const token = await gameballToken(keys.secretKey, { customerId: 'scope-1' });
    assert.equal(
      (await answer(await sdkPost(V41, { APIKey: keys.apiKey, 'X-GB-TOKEN': token }, { customerId: 'scope-1' })))
        .status,
      200,
    );
    const details = await http(server.baseUrl, 'GET', `${V41}/scope-1/details`, {
      apikey: keys.apiKey,
      'x-gb-token': token,
    });
    assert.deepEqual([details.status, details.body.code], [401, 1001]);
    const tags = await http(
      server.baseUrl,
      'POST',
      `${V41}/scope-1/tags`,
      { apikey: keys.apiKey, 'x-gb-token': token },
      { tags: ['vip'] },
    );
    assert.deepEqual([tags.status, tags.body.code], [401, 1001]);
    const expired = await gameballToken(
      keys.secretKey,
      { customerId: 'scope-1' },
      { expiresIn: Math.floor(Date.now() / 1000) - 1 },
    );
    const beside = await http(server.baseUrl, 'GET', `${V41}/scope-1`, {
      apikey: keys.apiKey,
      secretkey: keys.secretKey,
      'x-gb-token': expired,
    });
    assert.deepEqual([beside.status, beside.body.code], [401, 1102]);
    const wrongSecret = await http(server.baseUrl, 'GET', `${V41}/scope-1`, {
      apikey: keys.apiKey,
      secretkey: 'sk_wrong',
      'x-gb-token': token,
    });
    assert.deepEqual([wrongSecret.status, wrongSecret.body.code], [401, 1001]);
    const v40 = await http(server.baseUrl, 'GET', `${CUSTOMERS}/scope-1/details`, {
      apikey: keys.apiKey,
      'x-gb-token': token,
    });
    assert.deepEqual([v40.status, v40.body.code], [401, 1001], 'v4.0 knows no tokens');
  });

  test('the secretKey is kept sealed at rest, not in clear; without a master key tokens are refused with a clear 1104 and both keys still work', async () => {
    const keys = await server.newAccount();
    const row = await server.store.db
      .selectFrom('accounts')
      .select(['secret_key_sealed', 'secret_key_hash'])
      .where('id', '=', keys.account.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.secret_key_sealed);
    assert.equal(row.secret_key_sealed.includes(keys.secretKey), false);
    assert.equal(Buffer.from(row.secret_key_sealed).includes(Buffer.from(keys.secretKey.slice(3))), false);

    // The same database, served by a node without a master key.
    const keyless = connect(server.store.url, { poolSize: 2 });
    const app = await buildApp({ store: keyless, logLevel: 'silent' });
    try {
      const token = await gameballToken(keys.secretKey, { customerId: 'nokey-1' });
      const refused = await app.inject({
        method: 'POST',
        url: V41,
        headers: { apikey: keys.apiKey, 'x-gb-token': token },
        payload: { customerId: 'nokey-1' },
      });
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().code, 1104);
      assert.match(refused.json().message, /no master key \(set PATRON_MASTER_KEY/);
      const withKeys = await app.inject({
        method: 'POST',
        url: V41,
        headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
        payload: { customerId: 'nokey-1' },
      });
      assert.equal(withKeys.statusCode, 200, withKeys.body);

      // An account created where there was no master key gets token support when its keys are rotated.
      const { account, ...oldKeys } = await newAccount(keyless, {}, 'predates-master-key');
      const before = await sdkPost(
        V41,
        { APIKey: oldKeys.apiKey, 'X-GB-TOKEN': await gameballToken(oldKeys.secretKey, { customerId: 'p-1' }) },
        { customerId: 'p-1' },
      );
      const refusedBefore = await answer(before);
      assert.deepEqual([refusedBefore.status, refusedBefore.body.code], [401, 1104]);
      assert.match(String(refusedBefore.body.message), /predates the master key: rotate the keys/);
      const { keys: newKeys } = await rotateAccountKeys(server.store, account.id);
      const after = await answer(
        await sdkPost(
          V41,
          { APIKey: newKeys.apiKey, 'X-GB-TOKEN': await gameballToken(newKeys.secretKey, { customerId: 'p-1' }) },
          { customerId: 'p-1' },
        ),
      );
      assert.equal(after.status, 200, JSON.stringify(after.body));
    } finally {
      await app.close();
      await keyless.close();
    }
  });
});
