import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { changeAccount } from '../../src/modules/accounts/accounts.service.js';
import { buildTestApp, snapshot } from '../helpers/app.js';
import { client, CUSTOMERS, send } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';
import type { TestAccount } from '../helpers/app.js';

const t = await buildTestApp();

const dryRun = (keys: TestAccount, body: unknown, headers: Record<string, string> = {}) =>
  send(t.app, {
    method: 'POST',
    url: `${CUSTOMERS}?dryRun=true`,
    headers: { apikey: keys.apiKey, ...headers },
    payload: body,
  });

/** The changes of the newest history entry of a customer, as the real write recorded them. */
async function lastEntry(keys: TestAccount, customerId: string) {
  const res = await send(t.app, {
    method: 'GET',
    url: `${CUSTOMERS}/${encodeURIComponent(customerId)}/history?limit=1`,
    headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
  });
  return res.json().history[0] as { changes: Array<{ field: string }>; protections?: unknown[] };
}

describe(`POST /customers?dryRun=true (${TEST_STORE})`, () => {
  test('answers what a create would do and writes nothing: no profile, history, webhook event, referral code or Idempotency-Key', async () => {
    const keys = await t.newAccount({ mergeBy: 'email' });
    const before = await snapshot(t.store, keys.account.id);
    const res = await dryRun(
      keys,
      { customerId: 'c-1', email: 'ann@shop.io', customerAttributes: { city: 'Giza' } },
      {
        'idempotency-key': 'k-1',
      },
    );
    assert.equal(res.statusCode, 200, res.body);
    const answer = res.json();
    assert.deepEqual(
      [answer.gameballId, answer.dryRun, answer.outcome, answer.protections],
      [null, true, 'create', []],
    );
    assert.deepEqual(answer.changes.map((c: { field: string }) => c.field).sort(), [
      'customerAttributes.city',
      'email',
    ]);
    assert.deepEqual(await snapshot(t.store, keys.account.id), before, 'nothing written');
    // The key was not used up: the real request with it runs.
    const real = await client(t.app, keys).upsert(
      { customerId: 'c-1', email: 'ann@shop.io', customerAttributes: { city: 'Giza' } },
      { apikey: keys.apiKey, 'idempotency-key': 'k-1' },
    );
    assert.equal(real.headers['idempotent-replayed'], undefined);
  });

  test('a request that would fail gets exactly the error it would get', async () => {
    const keys = await t.newAccount({ mergeBy: 'email' });
    const api = client(t.app, keys);
    await api.upsert({ customerId: 'a', email: 'a@shop.io' });
    await api.upsert({ customerId: 'b', email: 'b@shop.io' });
    for (const body of [
      { customerId: 'b', email: 'a@shop.io' },
      { customerId: 'n' },
      { customerId: '' },
      { email: 'x@shop.io' },
    ]) {
      const dry = await dryRun(keys, body);
      const real = await api.upsert(body);
      assert.deepEqual(
        [dry.statusCode, dry.json().code, dry.json().message],
        [real.statusCode, real.json().code, real.json().message],
        JSON.stringify(body),
      );
    }
  });

  test('merge, update, unchanged and protections are told as the real write then records them', async () => {
    const keys = await t.newAccount({ mergeBy: 'email', mergeCap: 1 });
    const api = client(t.app, keys);
    const first = (await api.upsert({ customerId: 'web', email: 'ann@shop.io' })).json().gameballId;
    const capped = (await dryRun(keys, { customerId: 'pos', email: 'ann@shop.io' })).json();
    assert.deepEqual([capped.outcome, capped.gameballId], ['create', null]);
    assert.deepEqual(capped.protections, [
      { identifier: 'email', kind: 'email', value: 'ann@shop.io', rule: 'cap', wouldJoin: first },
    ]);
    await api.upsert({ customerId: 'pos', email: 'ann@shop.io' });
    assert.deepEqual((await lastEntry(keys, 'pos')).protections, capped.protections);

    const update = (await dryRun(keys, { customerId: 'web', customerAttributes: { city: 'Giza' } })).json();
    assert.deepEqual(
      [update.outcome, update.gameballId, update.changes],
      ['update', first, [{ field: 'customerAttributes.city', before: null, after: 'Giza' }]],
    );
    const same = (await dryRun(keys, { customerId: 'web', email: 'ann@shop.io' })).json();
    assert.deepEqual([same.outcome, same.changes], ['unchanged', []]);

    await changeAccount(t.store, keys.account.id, { mergeCap: 0 });
    const merge = (await dryRun(keys, { customerId: 'kiosk', email: 'ANN@shop.io' })).json();
    assert.deepEqual([merge.outcome, merge.gameballId], ['merge', first]);
    await api.upsert({ customerId: 'kiosk', email: 'ANN@shop.io' });
    assert.deepEqual(merge.changes, (await lastEntry(keys, 'kiosk')).changes);
  });
});

type Step = { customerId: string; email?: string | null; city?: string | null; guest?: boolean };

describe(`dry run then the real request agree (${TEST_STORE})`, () => {
  test('for generated requests: outcome, status and code, gameballId and changes', async () => {
    const keys = await t.newAccount({ mergeBy: 'email' });
    const api = client(t.app, keys);
    const step = fc.record(
      {
        customerId: fc.constantFrom('a', 'b', 'c', 'd', ' a ', ''),
        email: fc.constantFrom('ann@shop.io', 'ANN@shop.io', 'bob@shop.io', 'noemail@shop.io', 'bad', null),
        city: fc.constantFrom('Cairo', 'Giza', null),
        guest: fc.boolean(),
      },
      { requiredKeys: ['customerId'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps: Step[]) => {
        for (const s of steps) {
          const body = {
            customerId: s.customerId,
            ...(s.email !== undefined && { email: s.email }),
            ...(s.city !== undefined && { customerAttributes: { city: s.city } }),
            ...(s.guest !== undefined && { guest: s.guest }),
          };
          const dry = await dryRun(keys, body);
          const real = await api.upsert(body);
          assert.equal(dry.statusCode, real.statusCode, `${JSON.stringify(body)}: ${dry.body} vs ${real.body}`);
          if (real.statusCode !== 200) {
            assert.equal(dry.json().code, real.json().code);
            continue;
          }
          const answer = dry.json();
          if (answer.outcome === 'create') assert.equal(answer.gameballId, null);
          else assert.equal(answer.gameballId, real.json().gameballId);
          if (answer.outcome === 'unchanged') continue;
          const entry = await lastEntry(keys, body.customerId.trim());
          const recorded = entry.changes.map((c) => c.field).filter((f) => f !== 'referralCode');
          assert.deepEqual(
            answer.changes
              .map((c: { field: string }) => c.field)
              .filter((f: string) => f !== 'referralCode')
              .sort(),
            recorded.sort(),
            JSON.stringify(body),
          );
          assert.deepEqual(answer.protections, entry.protections ?? []);
        }
      }),
      { numRuns: 15 },
    );
  });
});
