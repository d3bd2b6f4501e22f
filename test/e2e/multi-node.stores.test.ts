import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startServe, type ServeProcess } from '../helpers/cli.js';
import { http } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { CUSTOMERS } from '../helpers/app.js';
import { freshDatabaseUrl, TEST_STORE } from '../helpers/store.js';
import { connect } from '../../src/db/connect.js';
import type { SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import { newAccount, type TestAccount } from '../helpers/accounts.js';

// Two `patron serve` processes on one database, hit alternately: correctness must come from the
// database (constraints, transactions, locks), not from anything held in one process.
const database = await freshDatabaseUrl();
after(() => database.cleanup());
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };

// Several nodes starting at once on an empty database: migrations run once, one default account.
const nodes: ServeProcess[] = await Promise.all([startServe(env), startServe(env)]);
const printed = nodes.map((n) => /^apiKey: (\S+)$/m.exec(n.output())?.[1]).filter(Boolean);

/** Accounts are made in-process, on the database the nodes share, through the CLI's own service. */
const accounts = connect(database.url, { poolSize: 1 });
after(() => accounts.close());
function newMultiAccount(settings: SettingsInput): Promise<TestAccount> {
  return newAccount(accounts, settings, 'multi');
}

/** Request i goes to node i % 2. */
function alternate(keys: { apiKey: string; secretKey: string }) {
  return {
    upsert: (i: number, body: unknown) => http(nodes[i % 2]!.baseUrl, 'POST', CUSTOMERS, { apikey: keys.apiKey }, body),
    details: (id: string) =>
      http(nodes[0]!.baseUrl, 'GET', `${CUSTOMERS}/${id}/details`, { apikey: keys.apiKey, secretkey: keys.secretKey }),
    get: (id: string) => http(nodes[1]!.baseUrl, 'GET', `${CUSTOMERS}/${id}`, { apikey: keys.apiKey }),
  };
}

describe(`two patron serve processes on one ${TEST_STORE} database`, () => {
  test('starting together they make exactly one default account', () => {
    assert.equal(printed.length, 1, nodes.map((n) => n.output()).join('\n'));
  });

  test('100 overlapping updates of one customerId across both nodes lose nothing', async () => {
    const api = alternate(await newMultiAccount({}));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.upsert(i, { customerId: 'shared', customerAttributes: { custom: { [`k${i}`]: i } } }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(100).fill(200),
      JSON.stringify(answers.find((a) => a.status !== 200)?.body),
    );
    assert.equal(new Set(answers.map((a) => a.body.gameballId)).size, 1);
    const custom = ((await api.details('shared')).body.customerAttributes as { custom: Record<string, number> }).custom;
    assert.equal(Object.keys(custom).length, 100);
  });

  test('merge protection holds across nodes: 20 creates racing on one email with mergeCap 5 leave exactly 5 on the profile', async () => {
    const api = alternate(await newMultiAccount({ mergeBy: 'email', mergeCap: 5 }));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.upsert(i, { customerId: `cap-${i}`, email: 'family@shop.io' })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(200),
      JSON.stringify(answers.find((a) => a.status !== 200)?.body),
    );
    const ids = answers.map((a) => a.body.gameballId as number);
    const sizes = [...new Set(ids)].map((id) => ids.filter((x) => x === id).length).sort((a, b) => b - a);
    assert.deepEqual(sizes, [5, ...Array(15).fill(1)]);
    // A junk value joins no one on either node.
    const junk = await Promise.all(
      [0, 1].map((i) => api.upsert(i, { customerId: `till-${i}`, email: 'noemail@shop.io' })),
    );
    assert.notEqual(junk[0]!.body.gameballId, junk[1]!.body.gameballId);
  });

  test('100 overlapping creates sharing one email across both nodes make one profile (no merge cap)', async () => {
    const api = alternate(await newMultiAccount({ mergeBy: 'email', mergeCap: 0 }));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.upsert(i, {
          customerId: `ch-${i}`,
          email: 'someone@shop.io',
          customerAttributes: { custom: { [`c${i}`]: true } },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(100).fill(200),
      JSON.stringify(answers.find((a) => a.status !== 200)?.body),
    );
    assert.equal(new Set(answers.map((a) => a.body.gameballId)).size, 1);
    const details = (await api.details('ch-0')).body;
    assert.equal((details.mergedCustomerIds as string[]).length, 100);
    assert.equal(Object.keys((details.customerAttributes as { custom: object }).custom).length, 100);
  });

  test('50 overlapping creates with one referrer code across both nodes record 50 referrals', async () => {
    const keys = await newMultiAccount({});
    const api = alternate(keys);
    await api.upsert(0, { customerId: 'referrer' });
    const code = (await api.get('referrer')).body.referralCode;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.upsert(i, { customerId: `f-${i}`, referrerCode: code })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(50).fill(200),
    );
    for (let i = 0; i < 50; i++) assert.equal((await api.get(`f-${i}`)).body.isReferred, true);
    const codes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => (await api.get(`f-${i}`)).body.referralCode),
    );
    assert.equal(new Set(codes).size, 50, 'every new profile got its own code');
  });

  test('one Idempotency-Key sent to both nodes at once runs once: the others replay its answer or hear 409', async (ctx) => {
    const { account, ...keys } = await newAccount(accounts, {}, 'idempotent');
    const auth = { apikey: keys.apiKey, secretkey: keys.secretKey, 'idempotency-key': 'checkout-7781' };
    const body = { body: [{ customerId: 'idem-1' }, { customerId: 'idem-2' }] };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http(nodes[i % 2]!.baseUrl, 'POST', '/api/v4.0/integrations/batch/customers', auth, body),
      ),
    );
    const ran = answers.filter((a) => a.status === 200 && a.headers['idempotent-replayed'] === undefined);
    const replayed = answers.filter((a) => a.status === 200 && a.headers['idempotent-replayed'] === 'true');
    const busy = answers.filter((a) => a.status === 409);
    assert.equal(
      ran.length,
      1,
      JSON.stringify(answers.map((a) => [a.status, a.headers['idempotent-replayed'], a.body])),
    );
    assert.equal(ran.length + replayed.length + busy.length, 20, 'every answer is the first, a replay of it, or 409');
    for (const r of replayed) assert.deepEqual(r.body, ran[0]!.body);
    for (const b of busy) assert.deepEqual([b.body.code, b.headers['retry-after']], [4019, '1']);
    const jobs = await accounts.db.selectFrom('batch_jobs').select('id').where('account_id', '=', account.id).execute();
    assert.deepEqual(
      jobs.map((j) => j.id),
      [ran[0]!.body.jobId],
    );
    const sameKey = await accounts.db
      .selectFrom('idempotency_keys')
      .select(['response_status'])
      .where('account_id', '=', account.id)
      .execute();
    assert.deepEqual(sameKey, [{ response_status: 200 }]);
    ctx.diagnostic(
      `idempotency across two nodes: 20 requests, 1 ran, ${replayed.length} replayed, ${busy.length} answered 409`,
    );
  });

  test("an account's write limit holds for the account as a whole across both nodes, within ±20 %", async (ctx) => {
    const LIMIT = 40;
    // Until both nodes count two serve nodes (heartbeats): a fresh account's first write then
    // leaves one second of a half share, less one, times two nodes.
    await waitUntil(
      async () => {
        const probe = await newAccount(accounts, { rateLimitWrites: LIMIT }, 'probe');
        const answers = await Promise.all(
          nodes.map((node) => http(node.baseUrl, 'POST', CUSTOMERS, { apikey: probe.apiKey }, { customerId: 'probe' })),
        );
        return answers.every((a) => a.headers['ratelimit-remaining'] === String(LIMIT - 2));
      },
      { what: 'both nodes take half the limit', timeout: 15_000, step: 250 },
    );
    // The limit is measured only in a window where the client sent well past it. On a loaded
    // machine the nodes answered writes in 200-450 ms for a while (three full-suite runs), and the
    // callers then sent about the limit, not past it: such a window is measured again, with a fresh
    // account (fresh buckets), at most three times.
    const measure = async (attempt: number) => {
      const keys = await newAccount(accounts, { rateLimitWrites: LIMIT }, `limited-${attempt}`);
      const counts = { 200: 0, 429: 0, other: 0 };
      let n = 0;
      const started = performance.now();
      const DURATION_MS = 3_000;
      await Promise.all(
        Array.from({ length: 24 }, async (_, worker) => {
          while (performance.now() - started < DURATION_MS) {
            const res = await http(
              nodes[worker % 2]!.baseUrl,
              'POST',
              CUSTOMERS,
              { apikey: keys.apiKey },
              { customerId: `rl-${n++}` },
            );
            if (res.status === 200 || res.status === 429) counts[res.status]++;
            else counts.other++;
          }
        }),
      );
      return { counts, seconds: (performance.now() - started) / 1000 };
    };
    let window = await measure(1);
    for (let attempt = 2; attempt <= 3 && window.counts[429] <= window.counts[200]; attempt++) {
      ctx.diagnostic(`window ${attempt - 1}: only ${window.counts[200] + window.counts[429]} requests sent; again`);
      window = await measure(attempt);
    }
    const { counts, seconds } = window;
    // Each node starts with one second of its share in hand, then refills at its share.
    const expected = LIMIT + LIMIT * seconds;
    ctx.diagnostic(
      `rate limit across two nodes: ${counts[200]} writes accepted in ${seconds.toFixed(2)} s, expected ${expected.toFixed(0)} (limit ${LIMIT}/s), ${counts[429]} refused`,
    );
    assert.equal(counts.other, 0);
    assert.ok(counts[429] > counts[200], 'the client sent well past the limit');
    assert.ok(
      Math.abs(counts[200] / expected - 1) <= 0.2,
      `${counts[200]} accepted, expected ${expected.toFixed(0)} ± 20 %`,
    );
  });

  test('batch items take the bulk budget, not the writes: a batch runs at its budget while live writes go on', async () => {
    const { account, ...keys } = await newAccount(accounts, { rateLimitWrites: 20, rateLimitBulk: 100 }, 'bulk');
    const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
    const items = Array.from({ length: 300 }, (_, i) => ({ customerId: `bulk-${i}` }));
    const submitted = await http(nodes[0]!.baseUrl, 'POST', '/api/v4.0/integrations/batch/customers', auth, {
      body: items,
    });
    assert.equal(submitted.status, 200);
    const live = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        http(nodes[i % 2]!.baseUrl, 'POST', CUSTOMERS, { apikey: keys.apiKey }, { customerId: `live-${i}` }),
      ),
    );
    assert.deepEqual(
      live.map((r) => r.status),
      [200, 200, 200, 200],
      'live writes are not held back by the batch',
    );
    const status = () =>
      http(nodes[1]!.baseUrl, 'GET', `/api/v4.0/integrations/batches/${submitted.body.jobId}/status`, auth);
    await waitUntil(async () => (await status()).body.status === 'completed', {
      what: 'the batch has completed',
      timeout: 30_000,
      step: 100,
    });
    const job = await accounts.db
      .selectFrom('batch_jobs')
      .select(['created_at', 'finished_at', 'processed_items'])
      .where('account_id', '=', account.id)
      .executeTakeFirstOrThrow();
    const seconds = (Date.parse(job.finished_at!) - Date.parse(job.created_at)) / 1000;
    assert.equal(job.processed_items, 300);
    // One second of budget at once, the other 200 items at 100/s.
    assert.ok(seconds >= 1.6, `300 items at 100/s took ${seconds} s`);
  });

  test('overlapping creates of one new customerId across both nodes make one profile', async () => {
    const api = alternate(await newMultiAccount({}));
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api.upsert(i, { customerId: 'fresh', customerAttributes: { totalOrders: i } }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(60).fill(200),
    );
    assert.equal(new Set(answers.map((a) => a.body.gameballId)).size, 1);
  });
  test("possible duplicates: both nodes' workers score the pairs made across them, each pair once, nothing merged", async () => {
    const keys = await newMultiAccount({ mergeBy: 'none' });
    const api = alternate(keys);
    const firsts = [
      'Mariam',
      'Youssef',
      'Omar',
      'Salma',
      'Karim',
      'Hana',
      'Tarek',
      'Laila',
      'Nabil',
      'Dina',
      'Sherif',
      'Rana',
    ];
    const lasts = [
      'Hassan',
      'Fahmy',
      'Naguib',
      'Sabry',
      'Zaki',
      'Lotfy',
      'Ezzat',
      'Badawi',
      'Ghali',
      'Mansour',
      'Rizk',
      'Wahba',
    ];
    const people = firsts.map((first, i) => ({
      first,
      last: lasts[i]!,
      mobile: `+2010${String(17_000_000 + i * 731_979)}`,
    }));
    // Each person twice at once, one record on each node: a typo in the first name, the national mobile.
    const answers = await Promise.all(
      people.flatMap((p, i) => [
        api.upsert(0, {
          customerId: `a-${i}`,
          mobile: p.mobile,
          customerAttributes: { firstName: p.first, lastName: p.last, dateOfBirth: `19${70 + i}-02-03` },
        }),
        api.upsert(1, {
          customerId: `b-${i}`,
          email: `${p.first}.${p.last}@mail.io`,
          mobile: `0${p.mobile.slice(3)}`,
          customerAttributes: { firstName: `${p.first}e`, lastName: p.last, dateOfBirth: `19${70 + i}-02-03` },
        }),
      ]),
    );
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    const suggestions = () =>
      accounts.db
        .selectFrom('duplicate_suggestions')
        .select(['gameball_id', 'other_gameball_id', 'status'])
        .where('account_id', '=', keys.account.id)
        .execute();
    await waitUntil(
      async () =>
        (
          await accounts.db
            .selectFrom('profile_changes')
            .select('id')
            .where('account_id', '=', keys.account.id)
            .execute()
        ).length === 0 && (await suggestions()).length >= people.length,
      { what: 'both workers to score every queued profile', timeout: 20_000 },
    );
    const ids = new Map(answers.map((a, n) => [a.body.gameballId as number, n >> 1]));
    const found = await suggestions();
    assert.equal(found.length, people.length, JSON.stringify(found));
    const pairs = found.map((s) => `${ids.get(Number(s.gameball_id))}|${ids.get(Number(s.other_gameball_id))}`);
    assert.deepEqual(pairs.sort(), people.map((_, i) => `${i}|${i}`).sort(), 'each person once, with their own twin');
    assert.ok(found.every((s) => s.status === 'open'));
    const profiles = await accounts.db
      .selectFrom('profiles')
      .select('gameball_id')
      .where('account_id', '=', keys.account.id)
      .execute();
    assert.equal(profiles.length, people.length * 2, 'nothing merged');
    // Each node counts what its worker scored; together at least every profile queued.
    const scored = await Promise.all(
      nodes.map(async (node) => {
        const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
        return Number(/^patron_duplicate_profiles_scored_total (\d+)/m.exec(text)?.[1] ?? 0);
      }),
    );
    assert.ok(scored[0]! + scored[1]! >= people.length * 2, JSON.stringify(scored));
  });
});
