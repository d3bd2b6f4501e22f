import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { changeAccount, createAccount, findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { importFile } from '../../src/modules/batches/import.service.js';
import { AccountRateLimiter } from '../../src/modules/limits/account-limits.js';
import { BulkBudget } from '../../src/modules/limits/bulk-budget.js';
import { SINGLE_NODE, type NodeCount } from '../../src/modules/limits/node-registry.js';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();
const dir = mkdtempSync(join(tmpdir(), 'patron-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`account rate limits (${TEST_STORE})`, () => {
  test('past its writes per second an account gets 429/4029 with Retry-After and the RateLimit headers; its reads are a budget apart', async () => {
    const keys = await t.newAccount({ rateLimitWrites: 5, rateLimitReads: 50 });
    const write = (i: number) =>
      t.app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: keys.apiKey },
        payload: { customerId: `w-${i}` },
      });
    const answers = [];
    const started = performance.now();
    for (let i = 0; i < 12; i++) answers.push(await write(i));
    const seconds = (performance.now() - started) / 1000;
    const statuses = answers.map((a) => a.statusCode);
    // A burst of 5, refilled at 5 a second while the writes ran (a loaded machine writes slower).
    const served = statuses.filter((s) => s === 200).length;
    assert.ok(served >= 5 && served <= 5 + Math.ceil(5 * seconds), `${statuses.join()} in ${seconds.toFixed(2)} s`);
    const refused = answers.find((a) => a.statusCode === 429)!;
    assert.equal(refused.json().code, 4029);
    assert.match(refused.json().message, /5 API writes per second, across all nodes/);
    assert.equal(refused.headers['retry-after'], '1');
    assert.deepEqual(
      [refused.headers['ratelimit-limit'], refused.headers['ratelimit-remaining'], refused.headers['ratelimit-policy']],
      ['5', '0', '5;w=1'],
    );
    assert.match(String(refused.headers['ratelimit-reset']), /^[01]$/);
    assert.equal(answers[0]!.headers['ratelimit-remaining'], '4');
    const written = await t.store.db
      .selectFrom('customer_ids')
      .select('customer_id')
      .where('account_id', '=', keys.account.id)
      .execute();
    assert.equal(written.length, statuses.filter((s) => s === 200).length, 'a refused write wrote nothing');
    const read = await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/w-0`, headers: { apikey: keys.apiKey } });
    assert.deepEqual([read.statusCode, read.headers['ratelimit-limit']], [200, '50']);
  });

  test('an account without limits sees no RateLimit headers; another account is not slowed by a limited one', async () => {
    const limited = await t.newAccount({ rateLimitWrites: 1 });
    const free = await t.newAccount();
    for (let i = 0; i < 3; i++)
      await t.app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: limited.apiKey },
        payload: { customerId: `l-${i}` },
      });
    for (let i = 0; i < 20; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: free.apiKey },
        payload: { customerId: `f-${i}` },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['ratelimit-limit'], undefined);
    }
  });

  test('a change of the setting applies without a restart (within the account cache, 1 s)', async () => {
    const keys = await t.newAccount({ rateLimitWrites: 1 });
    await changeAccount(t.store, keys.account.id, { rateLimitWrites: 0 });
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: keys.apiKey },
        payload: { customerId: `c-${i}` },
      });
      assert.equal(res.statusCode, 200);
    }
  });

  test('settings are whole numbers per second from 0 (off) to 1,000,000, each named when wrong', async () => {
    for (const [field, value] of [
      ['rateLimitWrites', -1],
      ['rateLimitReads', 1.5],
      ['rateLimitBulk', 1_000_001],
      ['rateLimitWrites', Number.NaN],
    ] as const) {
      await assert.rejects(
        createAccount(t.store, 'bad', { [field]: value }),
        (error: Error) => error.message.includes(field),
        `${field} ${value}`,
      );
    }
    const { account } = await createAccount(t.store, 'ok', {
      rateLimitWrites: 30,
      rateLimitReads: 100,
      rateLimitBulk: 500,
    });
    assert.deepEqual([account.rateLimitWrites, account.rateLimitReads, account.rateLimitBulk], [30, 100, 500]);
  });

  test('each node takes its share: the limit divided by the serve nodes alive', () => {
    let nodes = 2;
    const count: NodeCount = { ...SINGLE_NODE, serveNodes: () => nodes };
    const limiter = new AccountRateLimiter(count);
    const account = { id: 'share', rateLimitWrites: 10, rateLimitReads: 0 } as Parameters<
      AccountRateLimiter['take']
    >[0];
    const allowedIn = (from: number) =>
      Array.from({ length: 30 }, (_, i) => limiter.take(account, 'writes', from + i)!.allowed).filter(Boolean).length;
    assert.equal(allowedIn(0), 5, 'half of 10/s, one second of burst');
    nodes = 1;
    assert.equal(allowedIn(10_000), 10);
    assert.equal(limiter.take(account, 'reads', 20_000), undefined, 'reads unlimited');
  });

  test('imports take their items from the bulk budget, apart from the writes (a list per second of share; they wait, never fail)', async () => {
    const keys = await t.newAccount({ rateLimitWrites: 1, rateLimitBulk: 40 });
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    const file = join(dir, 'rows.csv');
    writeFileSync(file, ['customerId', ...Array.from({ length: 120 }, (_, i) => `imp-${i}`)].join('\n'));
    const summary = await importFile(
      t.store,
      account,
      file,
      join(dir, 'rejected.jsonl'),
      undefined,
      new BulkBudget(SINGLE_NODE),
    );
    assert.equal(summary.imported, 120, 'the writes limit (1/s) does not apply to imported rows');
    // 40 at once (one second of budget), then 80 more at 40/s.
    assert.ok(summary.seconds >= 1.6, `${summary.seconds} s for 120 rows at 40/s`);
  });
});
