import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { connect } from '../../src/db/connect.js';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { upsertItems } from '../../src/modules/batches/batches.service.js';
import { HistoryPurgeWorker } from '../../src/modules/history/history.worker.js';
import { CHAIN_FROM } from '../../src/modules/history/history.store.js';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { startNode } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { http } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/store.js';
import { queryPlan } from '../helpers/plan.js';
import type { Store } from '../../src/db/connect.js';

const t = await buildTestApp();

interface Entry {
  id: number;
  at: string;
  operation: string;
  customerId: string;
  requestId: string | null;
  changes: Array<{ field: string; before: unknown; after: unknown }>;
  relatedGameballId: number | null;
}

async function setUp(settings: Parameters<typeof t.newAccount>[0] = {}) {
  const keys = await t.newAccount(settings);
  const api = client(t.app, keys);
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  const history = async (customerId: string, query = '') => {
    const res = await t.app.inject({
      method: 'GET',
      url: `${CUSTOMERS}/${encodeURIComponent(customerId)}/history${query}`,
      headers: auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { gameballId: number; history: Entry[]; count: number; hasMore: boolean };
  };
  const upsert = (body: object, requestId: string) =>
    api.upsert(body, { apikey: keys.apiKey, 'x-request-id': requestId });
  return { keys, api, auth, history, upsert };
}

const fields = (entry: Entry) => Object.fromEntries(entry.changes.map((c) => [c.field, [c.before, c.after]]));

describe(`profile history (${TEST_STORE})`, () => {
  test('every change is an entry: when, operation, customerId, requestId, and each field before and after; newest first', async () => {
    const { keys, history, upsert, auth } = await setUp({ mergeBy: 'email' });
    await upsert(
      { customerId: 'h-web', email: 'ann@x.io', customerAttributes: { city: 'Cairo', custom: { tier: 'gold' } } },
      'req-create',
    );
    await upsert(
      { customerId: 'h-web', customerAttributes: { city: 'Giza', totalOrders: 2, custom: { tier: null, vip: true } } },
      'req-update',
    );
    await upsert({ customerId: 'h-pos', email: 'ANN@x.io', customerAttributes: { firstName: 'Ann' } }, 'req-merge');
    await t.app.inject({
      method: 'PUT',
      url: `${CUSTOMERS}/h-pos/activate`,
      headers: { ...auth, 'x-request-id': 'req-off' },
      payload: { isActive: false },
    });
    await t.app.inject({
      method: 'POST',
      url: `${CUSTOMERS}/h-web/tags`,
      headers: { ...auth, 'x-request-id': 'req-tags' },
      payload: { tags: 'vip, gamer' },
    });

    const page = await history('h-pos');
    assert.deepEqual(
      page.history.map((e) => [e.operation, e.customerId, e.requestId]),
      [
        ['tags', 'h-web', 'req-tags'],
        ['activation', 'h-pos', 'req-off'],
        ['merge', 'h-pos', 'req-merge'],
        ['upsert', 'h-web', 'req-update'],
        ['upsert', 'h-web', 'req-create'],
      ],
    );
    const [tags, activation, merge, update, create] = page.history as [Entry, Entry, Entry, Entry, Entry];
    assert.deepEqual(fields(tags), { tags: [[], ['vip', 'gamer']] });
    assert.deepEqual(fields(activation), { isActive: [true, false] });
    assert.deepEqual(fields(merge), { email: ['ann@x.io', 'ANN@x.io'], 'customerAttributes.firstName': [null, 'Ann'] });
    assert.deepEqual(fields(update), {
      'customerAttributes.city': ['Cairo', 'Giza'],
      'customerAttributes.totalOrders': [null, 2],
      'customerAttributes.custom.tier': ['gold', null],
      'customerAttributes.custom.vip': [null, true],
    });
    const created = fields(create);
    assert.deepEqual(created.email, [null, 'ann@x.io']);
    assert.deepEqual(created['customerAttributes.city'], [null, 'Cairo']);
    assert.deepEqual(created['customerAttributes.custom.tier'], [null, 'gold']);
    assert.deepEqual(
      [created.guest, created.isActive, created.isReferred],
      [undefined, undefined, undefined],
      "a new profile's defaults are not news",
    );
    assert.match(String(created.referralCode![1]), /^[2-9A-HJ-NP-Z]{8}$/);
    for (const entry of page.history) assert.ok(Date.parse(entry.at) > Date.now() - 60_000, entry.at);
    assert.deepEqual(
      page.history.map((e) => e.id),
      [...page.history.map((e) => e.id)].sort((a, b) => b - a),
    );
    assert.equal(
      (await history('h-web')).gameballId,
      page.gameballId,
      'any customerId of the profile reaches its history',
    );
    assert.equal(keys.account.mergeBy, 'email');
  });

  test("each value is stored once: a new profile's entry holds none, a change the values before it; what they became is read back from the profile", async () => {
    const { history, upsert } = await setUp();
    await upsert(
      { customerId: 'once', email: 'once@x.io', customerAttributes: { city: 'Cairo', custom: { tier: 'gold' } } },
      'c',
    );
    await upsert({ customerId: 'once', customerAttributes: { city: 'Giza' } }, 'u1');
    await upsert({ customerId: 'once', customerAttributes: { city: 'Aswan', custom: { tier: 'silver' } } }, 'u2');
    const page = await history('once');
    const stored = await t.store.db
      .selectFrom('profile_history')
      .select(['request_id', 'changes'])
      .where('gameball_id', '=', page.gameballId)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      stored.map((r) => [r.request_id, JSON.parse(String(r.changes))]),
      [
        ['c', ['new']],
        ['u1', [['customerAttributes.city', 'Cairo']]],
        [
          'u2',
          [
            ['customerAttributes.city', 'Giza'],
            ['customerAttributes.custom.tier', 'gold'],
          ],
        ],
      ],
    );
    const [u2, u1, c] = page.history as [Entry, Entry, Entry];
    assert.deepEqual(fields(u2), {
      'customerAttributes.city': ['Giza', 'Aswan'],
      'customerAttributes.custom.tier': ['gold', 'silver'],
    });
    assert.deepEqual(fields(u1), { 'customerAttributes.city': ['Cairo', 'Giza'] });
    assert.deepEqual(
      [fields(c).email, fields(c)['customerAttributes.city'], fields(c)['customerAttributes.custom.tier']],
      [
        [null, 'once@x.io'],
        [null, 'Cairo'],
        [null, 'gold'],
      ],
    );
    const paged = await history('once', `?limit=1&startAfter=${u2.id}`);
    assert.deepEqual(paged.history, [u1], 'a later page is explained the same way');
  });

  test('entries stored with their values after ([field, before, after], the earlier format) read back as stored', async () => {
    const { history, upsert } = await setUp();
    await upsert({ customerId: 'legacy', customerAttributes: { city: 'Cairo' } }, 'c');
    await upsert({ customerId: 'legacy', customerAttributes: { city: 'Giza' } }, 'u');
    const [update, create] = (await history('legacy')).history as [Entry, Entry];
    await t.store.db
      .updateTable('profile_history')
      .set({ changes: JSON.stringify([['customerAttributes.city', null, 'Cairo']]) })
      .where('id', '=', create.id)
      .execute();
    await t.store.db
      .updateTable('profile_history')
      .set({ changes: JSON.stringify([['customerAttributes.city', 'Cairo', 'Giza']]) })
      .where('id', '=', update.id)
      .execute();
    const again = (await history('legacy')).history;
    assert.deepEqual(again.map(fields), [
      { 'customerAttributes.city': ['Cairo', 'Giza'] },
      { 'customerAttributes.city': [null, 'Cairo'] },
    ]);
  });

  test('a change made while history is off cuts the profile off its earlier entries (they could no longer be explained)', async () => {
    const { keys, history, upsert } = await setUp();
    await upsert({ customerId: 'gap', customerAttributes: { city: 'Cairo' } }, 'recorded');
    const quiet = connect((t.store as Store & { url: string }).url, { poolSize: 2, recordsHistory: false });
    const app = await buildApp({ store: quiet, logLevel: 'silent' });
    try {
      const res = await app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: keys.apiKey },
        payload: { customerId: 'gap', customerAttributes: { city: 'Giza' } },
      });
      assert.equal(res.statusCode, 200);
    } finally {
      await app.close();
      await quiet.close();
    }
    assert.equal((await history('gap')).count, 0);
    await upsert({ customerId: 'gap', customerAttributes: { city: 'Luxor' } }, 'after');
    assert.deepEqual(
      (await history('gap')).history.map((e) => [e.requestId, fields(e)]),
      [['after', { 'customerAttributes.city': ['Giza', 'Luxor'] }]],
    );
  });

  test('no change, no entry: a repeated upsert, an activation to the same state, a tag already there', async () => {
    const { history, upsert, auth } = await setUp();
    await upsert({ customerId: 'same', customerAttributes: { city: 'Cairo' } }, 'r1');
    await upsert({ customerId: 'same', customerAttributes: { city: 'Cairo' } }, 'r2');
    await upsert({ customerId: 'same' }, 'r3');
    await t.app.inject({
      method: 'PUT',
      url: `${CUSTOMERS}/same/activate`,
      headers: auth,
      payload: { isActive: true },
    });
    await t.app.inject({ method: 'POST', url: `${CUSTOMERS}/same/tags`, headers: auth, payload: { tags: 'a' } });
    await t.app.inject({ method: 'POST', url: `${CUSTOMERS}/same/tags`, headers: auth, payload: { tags: 'A' } });
    await t.app.inject({ method: 'DELETE', url: `${CUSTOMERS}/same/tags/zzz`, headers: auth });
    assert.deepEqual(
      (await history('same')).history.map((e) => (e.operation === 'tags' ? 'tags' : e.requestId)),
      ['tags', 'r1'],
    );
  });

  test('cursor paging: limit and startAfter = the last id seen', async () => {
    const { history, upsert } = await setUp();
    for (let i = 1; i <= 5; i++) await upsert({ customerId: 'pager', customerAttributes: { totalOrders: i } }, `p${i}`);
    const first = await history('pager', '?limit=2');
    assert.deepEqual([first.history.map((e) => e.requestId), first.count, first.hasMore], [['p5', 'p4'], 2, true]);
    const second = await history('pager', `?limit=2&startAfter=${first.history[1]!.id}`);
    assert.deepEqual(
      second.history.map((e) => e.requestId),
      ['p3', 'p2'],
    );
    const last = await history('pager', `?limit=2&startAfter=${second.history[1]!.id}`);
    assert.deepEqual([last.history.map((e) => e.requestId), last.hasMore], [['p1'], false]);
    const other = await t.app.inject({
      method: 'GET',
      url: `${CUSTOMERS}/pager/history?limit=2`,
      headers: (await setUp()).auth,
    });
    assert.deepEqual([other.statusCode, other.json().code], [404, 7000], 'another account does not see this customer');
  });

  test('needs the secretKey; an unknown customer is 404/7000', async () => {
    const { keys, auth, upsert } = await setUp();
    await upsert({ customerId: 'private' }, 'x');
    const apiKeyOnly = await t.app.inject({
      method: 'GET',
      url: `${CUSTOMERS}/private/history`,
      headers: { apikey: keys.apiKey },
    });
    assert.deepEqual([apiKeyOnly.statusCode, apiKeyOnly.json().code], [401, 1001]);
    const unknown = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/nobody/history`, headers: auth });
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 7000]);
    const badLimit = await t.app.inject({
      method: 'GET',
      url: `${CUSTOMERS}/private/history?limit=201`,
      headers: auth,
    });
    assert.deepEqual([badLimit.statusCode, badLimit.json().code], [422, 3003]);
  });

  test('batch items record their operation and where they came from; a merge by a batch item is a merge', async () => {
    const { keys, history } = await setUp({ mergeBy: 'email' });
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    await upsertItems(
      t.store,
      account,
      [
        { customerId: 'b-1', email: 'bo@x.io' },
        { customerId: 'b-2', email: 'bo@x.io' },
      ],
      (i) => ({ operation: 'batch item', requestId: `batch 9 item ${i}` }),
    );
    assert.deepEqual(
      (await history('b-1')).history.map((e) => [e.operation, e.customerId, e.requestId]),
      [
        ['merge', 'b-2', 'batch 9 item 1'],
        ['batch item', 'b-1', 'batch 9 item 0'],
      ],
    );
  });

  test("a delete erases the profile's history, personal data and all, and leaves one entry saying so", async () => {
    const { history, upsert, auth, api } = await setUp();
    await upsert({ customerId: 'gone', email: 'secret.person@x.io', customerAttributes: { firstName: 'Secret' } }, 'c');
    await upsert({ customerId: 'gone', mobile: '+201001231231' }, 'u');
    const { gameballId } = await history('gone');
    const del = await t.app.inject({
      method: 'DELETE',
      url: `${CUSTOMERS}/gone`,
      headers: { ...auth, 'x-request-id': 'req-delete' },
    });
    assert.equal(del.statusCode, 200);
    assert.equal((await api.get('gone')).statusCode, 404);
    const rows = await t.store.db
      .selectFrom('profile_history')
      .selectAll()
      .where('gameball_id', '=', gameballId)
      .execute();
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0]!.operation, rows[0]!.customer_id, rows[0]!.request_id], ['delete', 'gone', 'req-delete']);
    const text = JSON.stringify(await t.store.db.selectFrom('profile_history').selectAll().execute());
    for (const pii of ['secret.person@x.io', 'Secret', '+201001231231']) assert.equal(text.includes(pii), false, pii);
  });

  test('the worker purges entries past the retention and keeps the rest', async () => {
    const { history, upsert } = await setUp();
    await upsert({ customerId: 'old-timer', customerAttributes: { city: 'Luxor' } }, 'ancient');
    await upsert({ customerId: 'old-timer', customerAttributes: { city: 'Aswan' } }, 'recent');
    const [, ancient] = (await history('old-timer')).history as [Entry, Entry];
    await t.store.db
      .updateTable('profile_history')
      .set({ at: new Date(Date.now() - 401 * 86_400_000).toISOString() })
      .where('id', '=', ancient.id)
      .execute();
    assert.equal((await history('old-timer')).count, 2);
    const worker = new HistoryPurgeWorker(t.store, 400, 20, pino({ level: 'silent' }));
    worker.start();
    try {
      await waitUntil(async () => (await history('old-timer')).count < 2, {
        what: 'the worker purged the entry past the retention',
      });
    } finally {
      await worker.stop();
    }
    assert.deepEqual(
      (await history('old-timer')).history.map((e) => e.requestId),
      ['recent'],
    );
    const left = await t.store.db.selectFrom('profile_history').select('id').where('id', '=', ancient.id).execute();
    assert.deepEqual(left, []);
  });

  test('PATRON_HISTORY_RETENTION_DAYS=0 records nothing (a store opened without history)', async () => {
    const quiet = connect((t.store as Store & { url: string }).url, { poolSize: 2, recordsHistory: false });
    const app = await buildApp({ store: quiet, logLevel: 'silent' });
    try {
      const { keys } = await setUp();
      const res = await app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: keys.apiKey },
        payload: { customerId: 'unrecorded', email: 'u@x.io' },
      });
      assert.equal(res.statusCode, 200);
      const entries = await t.store.db
        .selectFrom('profile_history')
        .select('id')
        .where('gameball_id', '=', res.json().gameballId)
        .execute();
      assert.deepEqual(entries, []);
    } finally {
      await app.close();
      await quiet.close();
    }
  });

  test("reading a profile's history walks its chain by primary key, never through other profiles' entries", async () => {
    const literals = ['9007199254740991', '1', '1', "'a'", '9007199254740991', "'a'", '51', "'a'"];
    const statement = CHAIN_FROM.replace(/\?/g, () => literals.shift()!);
    const plan = await queryPlan(t.store, TEST_STORE, statement);
    if (TEST_STORE === 'sqlite') {
      assert.match(plan, /SEARCH (profile_history|h) USING INTEGER PRIMARY KEY/, plan);
      assert.doesNotMatch(plan, /SCAN (profile_history|h)\b(?! USING)/, plan);
    } else {
      assert.match(plan, /profile_history_pkey/, plan);
      assert.doesNotMatch(plan, /Seq Scan on profile_history/, plan);
    }
  });

  test('patron serve applies PATRON_HISTORY_RETENTION_DAYS: 0 records nothing; otherwise its worker purges what is past it', async () => {
    const { keys, history, upsert } = await setUp();
    const url = (t.store as Store & { url: string }).url;
    const quiet = await startNode({ DATABASE_URL: url, PATRON_HISTORY_RETENTION_DAYS: '0' });
    const created = await http(
      quiet.baseUrl,
      'POST',
      CUSTOMERS,
      { apikey: keys.apiKey },
      { customerId: 'via-quiet-node', customerAttributes: { city: 'Qena' } },
    );
    assert.equal(created.status, 200);
    await quiet.stop();
    assert.equal((await history('via-quiet-node')).count, 0);

    await upsert({ customerId: 'aged', customerAttributes: { city: 'Siwa' } }, 'old-one');
    const [old] = (await history('aged')).history as [Entry];
    await t.store.db
      .updateTable('profile_history')
      .set({ at: new Date(Date.now() - 2 * 86_400_000).toISOString() })
      .where('id', '=', old.id)
      .execute();
    const keeper = await startNode({
      DATABASE_URL: url,
      PATRON_HISTORY_RETENTION_DAYS: '1',
      PATRON_WORKER_POLL_MS: '50',
    });
    try {
      await waitUntil(async () => (await history('aged')).count === 0, {
        what: "the serve node's worker purged the entry older than 1 day",
      });
    } finally {
      await keeper.stop();
    }
    assert.equal((await history('aged')).count, 0, 'the serve node purged the entry older than 1 day');
  });

  test('the OpenAPI document lists history, unmerge and export, marked as Patron extensions', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
    };
    for (const [path, method] of [
      ['history', 'get'],
      ['unmerge', 'post'],
      ['export', 'get'],
    ] as const) {
      const operation = doc.paths[`${CUSTOMERS}/{customerId}/${path}`]?.[method];
      assert.ok(operation, `${method} …/${path} is documented`);
      assert.match(String(operation.summary), /\(Patron extension\)/, path);
      assert.deepEqual(operation.tags, ['history']);
    }
  });
});
