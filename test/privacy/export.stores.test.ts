import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { addSubscription } from '../../src/modules/webhooks/webhooks.service.js';
import type { Store } from '../../src/db/connect.js';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { runCli } from '../helpers/cli.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();
const dir = mkdtempSync(join(tmpdir(), 'patron-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`personal-data export (${TEST_STORE})`, () => {
  test('one document with everything held about the person: profile, ids, devices, tags, referrals both ways, history, webhook events', async () => {
    const keys = await t.newAccount({ mergeBy: 'email', referralCompletion: 'signup' });
    const api = client(t.app, keys);
    const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
    await addSubscription(t.store, keys.account.id, 'https://hooks.example/patron', [
      'customer.profile.updated',
      'customer.merged',
    ]);
    await api.upsert({ customerId: 'referrer', email: 'ref@x.io' });
    const code = (await api.get('referrer')).json().referralCode as string;
    await api.upsert({
      customerId: 'me-web',
      email: 'me@x.io',
      referrerCode: code,
      deviceToken: 'tok-1',
      osType: 'iOS',
      customerAttributes: { city: 'Cairo', custom: { size: 'M' } },
    });
    await api.upsert({ customerId: 'me-pos', email: 'me@x.io' });
    await t.app.inject({ method: 'POST', url: `${CUSTOMERS}/me-web/tags`, headers: auth, payload: { tags: 'vip' } });
    const me = await api.profile('me-web');
    await api.upsert({ customerId: 'friend', email: 'friend@x.io', referrerCode: me.referralCode });
    await api.upsert({ customerId: 'bystander', email: 'other@x.io' });

    const res = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/me-pos/export`, headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    const doc = res.json();
    assert.equal(doc.gameballId, me.gameballId);
    assert.equal(doc.accountId, keys.account.id);
    assert.deepEqual(doc.customerIds, ['me-web', 'me-pos']);
    assert.equal(doc.profile.email, 'me@x.io');
    assert.equal(doc.profile.customerAttributes.city, 'Cairo');
    assert.deepEqual(doc.profile.customerAttributes.custom, { size: 'M' });
    assert.deepEqual(doc.tags, ['vip']);
    assert.deepEqual(
      doc.devices.map((d: { deviceToken: string }) => d.deviceToken),
      ['tok-1'],
    );
    assert.equal(doc.referrals.referredBy.customerId, 'referrer');
    assert.equal(doc.referrals.referredBy.referralCode, code);
    assert.equal(doc.referrals.referredBy.status, 'Active');
    assert.deepEqual(
      doc.referrals.referredFriends.map((f: { customerId: string; status: string }) => [f.customerId, f.status]),
      [['friend', 'Active']],
    );
    assert.deepEqual(
      doc.history.map((e: { operation: string; customerId: string }) => [e.operation, e.customerId]),
      [
        ['upsert', 'me-web'],
        ['merge', 'me-pos'],
        ['tags', 'me-web'],
      ],
      'oldest first',
    );
    assert.deepEqual(
      doc.webhookEvents.map((e: { topic: string }) => e.topic),
      ['customer.profile.updated', 'customer.profile.updated', 'customer.merged', 'customer.profile.updated'],
    );
    assert.equal(doc.webhookEvents[0].payload.gb_customer_id, me.gameballId);
    assert.deepEqual(
      doc.webhookEvents[0].deliveries.map((d: { url: string; status: string }) => [d.url, d.status]),
      [['https://hooks.example/patron', 'pending']],
    );
    const text = res.body;
    assert.equal(text.includes('other@x.io'), false, "nobody else's data");
    assert.equal(text.includes('bystander'), false);

    const apiKeyOnly = await t.app.inject({
      method: 'GET',
      url: `${CUSTOMERS}/me-pos/export`,
      headers: { apikey: keys.apiKey },
    });
    assert.deepEqual([apiKeyOnly.statusCode, apiKeyOnly.json().code], [401, 1001]);
    const unknown = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/nobody/export`, headers: auth });
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 7000]);

    // The same document from the command line, to a file only its owner can read.
    const out = join(dir, 'me.json');
    const cli = await runCli(
      ['customers', 'export', '--account', keys.account.id, '--customer-id', 'me-web', '--out', out],
      { DATABASE_URL: (t.store as Store & { url: string }).url },
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(
      cli.stdout,
      new RegExp(`Wrote .*me\\.json: gameballId ${me.gameballId}, 2 customerIds, 3 history entries, 4 webhook events`),
    );
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const fromFile = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(
      { ...fromFile, exportedAt: null, profile: { ...fromFile.profile, customerId: null } },
      { ...doc, exportedAt: null, profile: { ...doc.profile, customerId: null } },
    );
  });
});
