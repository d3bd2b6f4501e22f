import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addSubscription } from '../../src/modules/webhooks/webhooks.service.js';
import { buildTestApp, CUSTOMERS, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

interface Entry {
  operation: string;
  customerId: string;
  changes: Array<{ field: string; before: unknown; after: unknown }>;
  relatedGameballId: number | null;
}

async function setUp() {
  const keys = await t.newAccount({ mergeBy: 'email' });
  const api = client(t.app, keys);
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  return {
    keys,
    api,
    auth,
    unmerge: (customerId: string) =>
      t.app.inject({ method: 'POST', url: `${CUSTOMERS}/${encodeURIComponent(customerId)}/unmerge`, headers: auth }),
    tag: (customerId: string, tags: string) =>
      t.app.inject({ method: 'POST', url: `${CUSTOMERS}/${customerId}/tags`, headers: auth, payload: { tags } }),
    history: async (customerId: string) =>
      (await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/${customerId}/history?limit=200`, headers: auth })).json()
        .history as Entry[],
  };
}

/** The fields a profile shows, named as history names them. */
function fieldsOf(
  profile: Record<string, unknown> & { customerAttributes: Record<string, unknown> },
): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (profile.email !== undefined) fields.set('email', profile.email);
  if (profile.mobile !== undefined) fields.set('mobile', profile.mobile);
  for (const [key, value] of Object.entries(profile.customerAttributes)) {
    if (['email', 'mobile', 'tags', 'custom'].includes(key)) continue;
    fields.set(`customerAttributes.${key}`, value);
  }
  for (const [key, value] of Object.entries(profile.customerAttributes.custom as Record<string, unknown>))
    fields.set(`customerAttributes.custom.${key}`, value);
  fields.set('tags', profile.customerAttributes.tags);
  return fields;
}

/** Every field the profile shows is the `after` of the newest history change to it. */
function assertExplained(profile: Parameters<typeof fieldsOf>[0], history: Entry[]): void {
  for (const [field, value] of fieldsOf(profile)) {
    const newest = history.find((e) => e.changes.some((c) => c.field === field));
    const change = newest?.changes.find((c) => c.field === field);
    if (field === 'tags' && (value as unknown[]).length === 0 && change === undefined) continue;
    assert.ok(change, `no history entry explains ${field}`);
    assert.deepEqual(
      change.after,
      value,
      `${field}: the newest entry says ${JSON.stringify(change.after)}, the profile shows ${JSON.stringify(value)}`,
    );
  }
}

describe(`unmerge (${TEST_STORE})`, () => {
  test('the detached customerId leaves with what arrived only through it; the rest stays; both histories explain every field', async () => {
    const { api, unmerge, tag, history } = await setUp();
    const p = (
      await api.upsert({
        customerId: 'web',
        email: 'ann@x.io',
        deviceToken: 'tok-web',
        customerAttributes: { city: 'Cairo', country: 'EG', custom: { a: 1 } },
      })
    ).json().gameballId;
    await api.upsert({
      customerId: 'pos',
      email: 'ann@x.io',
      deviceToken: 'tok-pos',
      customerAttributes: { firstName: 'Ann', city: 'Giza', custom: { b: 2 } },
    });
    await tag('pos', 'vip');
    await tag('web', 'gold');
    const before = await api.profile('web');
    assert.equal(before.customerAttributes.city, 'Giza');

    const res = await unmerge('pos');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.customerId, body.previousGameballId, body.remainingCustomerIds], ['pos', p, ['web']]);
    assert.notEqual(body.gameballId, p);

    const kept = await api.profile('web');
    const left = await api.profile('pos');
    assert.deepEqual([kept.gameballId, left.gameballId], [p, body.gameballId]);
    assert.deepEqual(kept.mergedCustomerIds, ['web']);
    assert.deepEqual(left.mergedCustomerIds, ['pos']);
    // What stays: web's own values, the city back to what web set, web's tag and device.
    assert.equal(kept.email, 'ann@x.io');
    assert.deepEqual(kept.customerAttributes.city, 'Cairo');
    assert.equal(kept.customerAttributes.country, 'EG');
    assert.equal(kept.customerAttributes.firstName, undefined);
    assert.deepEqual(kept.customerAttributes.custom, { a: 1 });
    assert.deepEqual(kept.customerAttributes.tags, ['gold']);
    assert.deepEqual(
      (kept.pushDevices as Array<{ deviceToken: string }>).map((d) => d.deviceToken),
      ['tok-web'],
    );
    assert.equal(kept.referralCode, before.referralCode, 'the referral code stays with the profile');
    // What leaves: everything pos sent, the email included (it sent it too).
    assert.equal(left.email, 'ann@x.io');
    assert.equal(left.customerAttributes.firstName, 'Ann');
    assert.equal(left.customerAttributes.city, 'Giza');
    assert.equal(left.customerAttributes.country, undefined);
    assert.deepEqual(left.customerAttributes.custom, { b: 2 });
    assert.deepEqual(left.customerAttributes.tags, ['vip']);
    assert.deepEqual(
      (left.pushDevices as Array<{ deviceToken: string }>).map((d) => d.deviceToken),
      ['tok-pos'],
    );
    assert.match(String(left.referralCode), /^[2-9A-HJ-NP-Z]{8}$/);
    assert.notEqual(left.referralCode, kept.referralCode);

    // The histories record the split, name each other and explain every field of both.
    const keptHistory = await history('web');
    const leftHistory = await history('pos');
    assert.deepEqual(
      [keptHistory[0]!.operation, keptHistory[0]!.customerId, keptHistory[0]!.relatedGameballId],
      ['unmerge', 'pos', body.gameballId],
    );
    assert.deepEqual(
      keptHistory[0]!.changes.find((c) => c.field === 'customerIds'),
      { field: 'customerIds', before: ['web', 'pos'], after: ['web'] },
    );
    assert.deepEqual(
      leftHistory.map((e) => [e.operation, e.relatedGameballId]),
      [['unmerge', p]],
    );
    assertExplained(kept, keptHistory);
    assertExplained(left, leftHistory);
  });

  test('after an unmerge neither customerId fails because of it: the identifier both sent stays with the profile that keeps it', async () => {
    const { api, unmerge } = await setUp();
    const p = (await api.upsert({ customerId: 'w', email: 'bo@x.io' })).json().gameballId;
    await api.upsert({ customerId: 'c', email: 'bo@x.io', customerAttributes: { city: 'Aswan' } });
    const q = (await unmerge('c')).json().gameballId;
    const again = await api.upsert({ customerId: 'c', email: 'bo@x.io', customerAttributes: { zip: '111' } });
    assert.deepEqual([again.statusCode, again.json().gameballId], [200, q], again.body);
    assert.deepEqual([(await api.upsert({ customerId: 'w', email: 'bo@x.io' })).json().gameballId], [p]);
    // A new customerId with that email joins the profile that owns it.
    assert.equal((await api.upsert({ customerId: 'n', email: 'BO@x.io' })).json().gameballId, p);
    // An identifier owned by an unrelated profile is still a conflict for the detached one.
    await api.upsert({ customerId: 'z', email: 'zed@x.io' });
    assert.equal((await api.upsert({ customerId: 'c', email: 'zed@x.io' })).json().code, 3008);
  });

  test('an identifier the detached customerId changed goes with it, and the profile gets its earlier one back', async () => {
    const { api, unmerge } = await setUp();
    const p = (await api.upsert({ customerId: 'w', email: 'old@x.io' })).json().gameballId;
    await api.upsert({ customerId: 'c', email: 'old@x.io' });
    await api.upsert({ customerId: 'c', email: 'new@x.io' });
    const q = (await unmerge('c')).json().gameballId;
    assert.equal((await api.profile('w')).email, 'old@x.io');
    assert.equal((await api.profile('c')).email, 'new@x.io');
    assert.equal(
      (await api.upsert({ customerId: 'x', email: 'new@x.io' })).json().gameballId,
      q,
      'the new profile owns what it took',
    );
    assert.equal((await api.upsert({ customerId: 'y', email: 'old@x.io' })).json().gameballId, p);
  });

  test('the first customerId can be unmerged too: it gets the new gameballId, the profile keeps its own', async () => {
    const { api, unmerge } = await setUp();
    const p = (
      await api.upsert({ customerId: 'first', email: 'cy@x.io', customerAttributes: { city: 'Luxor' } })
    ).json().gameballId;
    await api.upsert({ customerId: 'second', email: 'cy@x.io', customerAttributes: { firstName: 'Cy' } });
    const res = (await unmerge('first')).json();
    assert.deepEqual([res.previousGameballId, res.remainingCustomerIds], [p, ['second']]);
    const kept = await api.profile('second');
    assert.equal(kept.gameballId, p);
    assert.equal(kept.email, 'cy@x.io', 'second sent the email when it merged by it');
    assert.equal(kept.customerAttributes.city, undefined);
    assert.equal(kept.customerAttributes.firstName, 'Cy');
    assert.equal((await api.profile('first')).customerAttributes.city, 'Luxor');
  });

  test('one customerId → 422 with a clear message, nothing written; unknown → 404/7000; the secretKey is needed', async () => {
    const { keys, api, unmerge } = await setUp();
    await api.upsert({ customerId: 'alone', email: 'al@x.io' });
    const before = await snapshot(t.store, keys.account.id);
    const res = await unmerge('alone');
    assert.deepEqual([res.statusCode, res.json().code], [422, 4022]);
    assert.match(res.json().message, /only customerId of its profile: there is nothing to unmerge/);
    assert.deepEqual(await snapshot(t.store, keys.account.id), before);
    assert.deepEqual([(await unmerge('ghost')).statusCode, (await unmerge('ghost')).json().code], [404, 7000]);
    const apiKeyOnly = await t.app.inject({
      method: 'POST',
      url: `${CUSTOMERS}/alone/unmerge`,
      headers: { apikey: keys.apiKey },
    });
    assert.equal(apiKeyOnly.statusCode, 401);
  });

  test('customer.unmerged goes to the outbox with both gameballIds', async () => {
    const { keys, api, unmerge } = await setUp();
    await addSubscription(t.store, keys.account.id, 'https://hooks.example/u', ['customer.unmerged']);
    const p = (await api.upsert({ customerId: 'hw', email: 'ho@x.io' })).json().gameballId;
    await api.upsert({ customerId: 'hp', email: 'ho@x.io' });
    const q = (await unmerge('hp')).json().gameballId;
    const events = await t.store.db
      .selectFrom('webhook_events')
      .select(['topic', 'payload'])
      .where('account_id', '=', keys.account.id)
      .execute();
    assert.deepEqual(
      events.map((e) => e.topic),
      ['customer.unmerged'],
    );
    const payload = JSON.parse(events[0]!.payload);
    assert.deepEqual(
      [payload.customer_id, payload.gb_customer_id, payload.data],
      ['hp', q, { unmerged_customer_id: 'hp', previous_gb_customer_id: p, remaining_customer_ids: ['hw'] }],
    );
  });

  test('an unmerge racing with upserts on both customerIds: every request succeeds and each customerId keeps exactly what it sent', async () => {
    const { api, unmerge } = await setUp();
    await api.upsert({ customerId: 'rw', email: 'race@x.io' });
    await api.upsert({ customerId: 'rc', email: 'race@x.io' });
    const writes = (customerId: string, prefix: string) =>
      Array.from({ length: 8 }, (_, i) =>
        api.upsert({ customerId, email: 'race@x.io', customerAttributes: { custom: { [`${prefix}${i}`]: i } } }),
      );
    const [unmerged, ...answers] = await Promise.all([unmerge('rc'), ...writes('rw', 'w'), ...writes('rc', 'c')]);
    assert.equal(unmerged.statusCode, 200, unmerged.body);
    for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
    const kept = (await api.profile('rw')).customerAttributes.custom as Record<string, number>;
    const left = (await api.profile('rc')).customerAttributes.custom as Record<string, number>;
    assert.deepEqual(Object.keys(kept).sort(), Array.from({ length: 8 }, (_, i) => `w${i}`).sort());
    assert.deepEqual(Object.keys(left).sort(), Array.from({ length: 8 }, (_, i) => `c${i}`).sort());
    assert.notEqual((await api.profile('rw')).gameballId, (await api.profile('rc')).gameballId);
  });
});
