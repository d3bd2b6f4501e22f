import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeAccount } from '../../src/modules/accounts/accounts.service.js';
import { blockedBy } from '../../src/modules/identity/protection.js';
import { getHistory } from '../../src/modules/customers/customer-history.service.js';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { upsertCustomer } from '../../src/modules/customers/upsert.engine.js';
import { processRegistry } from '../../src/metrics/metrics.js';
import type { AccountSettings } from '../../src/modules/accounts/accounts.types.js';
import { buildTestApp, snapshot } from '../helpers/app.js';
import { client, CUSTOMERS, send } from '../helpers/client.js';
import type { Store } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

async function account(settings: Partial<AccountSettings> = {}) {
  const keys = await t.newAccount({ mergeBy: 'email,mobile', defaultCountry: 'EG', ...settings });
  return { keys, api: client(t.app, keys) };
}

async function protectionsCounted(rule: string): Promise<number> {
  const metric = await processRegistry.getSingleMetric('patron_merge_protections_total')!.get();
  return metric.values.find((v) => v.labels.rule === rule)?.value ?? 0;
}

const builtIn = { mergeBlocks: [], defaultCountry: 'EG', defaultMergeBlocks: true };

describe('merge protection: the built-in list of junk values', () => {
  test('emails of reserved domains and placeholder local parts; mobiles of one digit or a run', () => {
    for (const email of ['ann@example.com', 'a@mail.example.org', 'x@shop.test', 'y@host.invalid', 'z@localhost'])
      assert.equal(blockedBy(builtIn, 'email', email)?.rule, 'reserved-domain', email);
    for (const email of ['noemail@shop.io', 'no-reply@shop.io', 'na@shop.io', 'null@shop.io', 'test@shop.io'])
      assert.equal(blockedBy(builtIn, 'email', email)?.rule, 'placeholder', email);
    for (const mobile of ['+201111111111', '+12222222222'])
      assert.equal(blockedBy(builtIn, 'mobile', mobile)?.rule, 'repeated-digits', mobile);
    for (const mobile of ['+11234567890', '+19876543210'])
      assert.equal(blockedBy(builtIn, 'mobile', mobile)?.rule, 'consecutive-digits', mobile);
    for (const [kind, value] of [
      ['email', 'ann@shop.io'],
      ['email', 'testing@shop.io'],
      ['email', 'ann@examples.com'],
      ['mobile', '+201001234567'],
    ] as const)
      assert.equal(blockedBy(builtIn, kind, value), undefined, value);
    assert.equal(blockedBy({ ...builtIn, defaultMergeBlocks: false }, 'email', 'noemail@shop.io'), undefined);
  });
});

describe(`merge protection (${TEST_STORE})`, () => {
  test("a till's junk email joins no one: each customerId keeps its own profile, the value stored, no 3008", async () => {
    const { api } = await account();
    const counted = await protectionsCounted('blocked-value');
    const first = await api.upsert({ customerId: 'walk-in-1', email: 'noemail@shop.io' });
    const second = await api.upsert({ customerId: 'walk-in-2', email: 'NoEmail@shop.io' });
    assert.deepEqual([first.statusCode, second.statusCode], [200, 200], second.body);
    assert.notEqual(first.json().gameballId, second.json().gameballId);
    assert.equal((await api.profile('walk-in-2')).email, 'NoEmail@shop.io');
    // Re-sending its own value never conflicts; a real email later becomes the key as usual.
    assert.equal((await api.upsert({ customerId: 'walk-in-1', email: 'noemail@shop.io' })).statusCode, 200);
    await api.upsert({ customerId: 'walk-in-1', email: 'ann@shop.io' });
    const joined = await api.upsert({ customerId: 'web-ann', email: 'ann@shop.io' });
    assert.equal(joined.json().gameballId, first.json().gameballId);
    assert.ok((await protectionsCounted('blocked-value')) >= counted + 3);
  });

  test('a new customer whose only identifier is protected still gets a profile (it counts as carried)', async () => {
    const { api } = await account({ mergeBy: 'email' });
    const res = await api.upsert({ customerId: 'till-7', email: 'x@shop.test' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await api.upsert({ customerId: 'till-8' })).json().code, 3000);
  });

  test("the account's own list: exact values as merging compares them, and /regexes/; switching the built-ins off", async () => {
    const { keys, api } = await account({
      mergeBlocks: ['front-desk@shop.io', '01000000001', '/^store\\d+@shop\\.io$/'],
    });
    for (const [a, b, value] of [
      ['d-1', 'd-2', 'FRONT-DESK@shop.io'],
      ['m-1', 'm-2', '+201000000001'],
      ['s-1', 's-2', 'store42@shop.io'],
    ] as const) {
      const field = value.includes('@') ? 'email' : 'mobile';
      const one = (await api.upsert({ customerId: a, [field]: value })).json().gameballId;
      const two = (await api.upsert({ customerId: b, [field]: value })).json().gameballId;
      assert.notEqual(one, two, value);
    }
    await changeAccount(t.store, keys.account.id, { defaultMergeBlocks: false });
    const one = (await api.upsert({ customerId: 'n-1', email: 'noemail@shop.io' })).json().gameballId;
    const two = (await api.upsert({ customerId: 'n-2', email: 'noemail@shop.io' })).json().gameballId;
    assert.equal(one, two, 'with the built-in list off, the placeholder merges like any value');
  });

  test('a bad list is refused by name, with nothing changed: invalid or catastrophic regexes, odd values', async () => {
    const { keys } = await account();
    for (const [entry, why] of [
      ['/(a+)+$/', /exponential/],
      ['/([a-z]/', /not a valid regular expression/],
      ['nobody', /neither an email, a mobile number nor a \/regex\//],
    ] as const) {
      await assert.rejects(changeAccount(t.store, keys.account.id, { mergeBlocks: [entry] }), (error: Error) => {
        assert.match(error.message, /'mergeBlocks'/);
        assert.match(error.message, why);
        return true;
      });
    }
    for (const cap of [-1, 1.5, 100_001])
      await assert.rejects(changeAccount(t.store, keys.account.id, { mergeCap: cap }), /'mergeCap'/);
    const stored = (await findAccountRecord(t.store, keys.account.id))!;
    assert.deepEqual([stored.mergeBlocks, stored.mergeCap, stored.defaultMergeBlocks], [[], 10, true]);
  });

  test('the cap: past mergeCap customerIds a newcomer gets its own profile holding the value; the full one keeps the key', async () => {
    const { keys, api } = await account({ mergeCap: 2 });
    const family = (await api.upsert({ customerId: 'mum', email: 'home@shop.io' })).json().gameballId;
    assert.equal((await api.upsert({ customerId: 'dad', email: 'home@shop.io' })).json().gameballId, family);
    const counted = await protectionsCounted('cap');
    const kid = await api.upsert({ customerId: 'kid', email: 'home@shop.io' });
    assert.equal(kid.statusCode, 200, kid.body);
    assert.notEqual(kid.json().gameballId, family);
    assert.equal(await protectionsCounted('cap'), counted + 1);
    // The newcomer may keep sending it (a plain value here, never a 3008); the family still merges by it.
    assert.equal((await api.upsert({ customerId: 'kid', email: 'home@shop.io' })).statusCode, 200);
    assert.equal((await api.upsert({ customerId: 'mum', email: 'home@shop.io' })).json().gameballId, family);
    const record = (await findAccountRecord(t.store, keys.account.id))!;
    const entry = (await getHistory(t.store, record, 'kid', {})).history.at(-1)!;
    assert.deepEqual(entry.protections, [
      { identifier: 'email', kind: 'email', value: 'home@shop.io', rule: 'cap', wouldJoin: family },
    ]);
  });

  test('history names each protection: the identifier, the rule and the profile it would have joined', async () => {
    const { keys, api } = await account({ defaultMergeBlocks: false });
    const holder = (await api.upsert({ customerId: 'old', email: 'noemail@shop.io' })).json().gameballId;
    await changeAccount(t.store, keys.account.id, { defaultMergeBlocks: true });
    await api.upsert({ customerId: 'new', email: 'noemail@shop.io' });
    const record = (await findAccountRecord(t.store, keys.account.id))!;
    const [entry] = (await getHistory(t.store, record, 'new', {})).history;
    assert.deepEqual(entry!.protections, [
      {
        identifier: 'email',
        kind: 'email',
        value: 'noemail@shop.io',
        rule: 'blocked-value',
        blockedBy: { rule: 'placeholder' },
        wouldJoin: holder,
      },
    ]);
    const res = await send(t.app, {
      method: 'GET',
      url: `${CUSTOMERS}/new/history`,
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
    });
    assert.equal(res.json().history[0].protections[0].blockedBy.rule, 'placeholder', res.body);
  });

  test('20 new customerIds racing on one email with mergeCap 5: exactly 5 on the profile, 15 on their own, no error', async () => {
    const { keys } = await account({ mergeBy: 'email', mergeCap: 5 });
    const record = (await findAccountRecord(t.store, keys.account.id))!;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        upsertCustomer(t.store, record, { customerId: `r-${i}`, email: 'race@shop.io' }),
      ),
    );
    assert.deepEqual(
      outcomes.filter((o) => o.status === 'rejected'),
      [],
    );
    const ids = outcomes.map((o) => (o as PromiseFulfilledResult<{ gameballId: number }>).value.gameballId);
    const sizes = [...new Set(ids)].map((id) => ids.filter((x) => x === id).length).sort((a, b) => b - a);
    assert.deepEqual(sizes, [5, ...Array(15).fill(1)]);
  });

  test('patron accounts update: --merge-block adds, --merge-unblock removes, --merge-cap, and show lists them', async () => {
    const { keys } = await account();
    const id = keys.account.id;
    const env = { DATABASE_URL: (t.store as Store & { url: string }).url, LOG_LEVEL: 'warn' };
    const added = await runCli(
      ['accounts', 'update', id, '--merge-block', 'desk@shop.io', '--merge-block', '/^kiosk/', '--merge-cap', '3'],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const removed = await runCli(
      ['accounts', 'update', id, '--merge-unblock', 'desk@shop.io', '--no-default-merge-blocks'],
      env,
    );
    assert.equal(removed.code, 0, removed.stderr);
    const { stdout: shown } = await runCli(['accounts', 'show', id], env);
    assert.match(shown, /mergeCap: 3/);
    assert.match(shown, /defaultMergeBlocks: off/);
    assert.match(shown, /mergeBlocks: \/\^kiosk\//);
    assert.doesNotMatch(shown, /desk@shop\.io/);
    const refused = await runCli(['accounts', 'update', id, '--merge-block', '/(x+)+y/'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /exponential/);
  });

  test('patron accounts check-merge previews settings on stored data: blocked keys, profiles past the cap, unindexed values; split profiles do not collide', async () => {
    const { keys, api } = await account({ mergeBy: 'email', defaultMergeBlocks: false, mergeCap: 0 });
    const id = keys.account.id;
    const env = { DATABASE_URL: (t.store as Store & { url: string }).url, LOG_LEVEL: 'warn' };
    const till = (await api.upsert({ customerId: 't-1', email: 'noemail@shop.io' })).json().gameballId;
    for (const customerId of ['t-2', 't-3', 't-4']) await api.upsert({ customerId, email: 'noemail@shop.io' });
    await api.upsert({ customerId: 'x-1', email: 'x@shop.io' });
    await api.upsert({ customerId: 'x-2', email: 'x@shop.io' });
    const unmerged = await send(t.app, {
      method: 'POST',
      url: `${CUSTOMERS}/x-2/unmerge`,
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
    });
    assert.equal(unmerged.statusCode, 200, unmerged.body);
    const before = await snapshot(t.store, id);
    const preview = await runCli(
      ['accounts', 'check-merge', '--account', id, '--default-merge-blocks', '--merge-cap', '3', '--json'],
      env,
    );
    assert.equal(preview.code, 3, preview.stderr);
    const found = JSON.parse(preview.stdout);
    assert.deepEqual(found.stoppedKeys, [
      { kind: 'email', key: 'noemail@shop.io', gameballId: till, rule: 'placeholder' },
    ]);
    assert.deepEqual(found.pastCap, [{ gameballId: till, customerIds: 4 }]);
    assert.deepEqual(found.collisions, [], 'the split pair shares x@shop.io by design, and noemail is blocked');
    assert.equal(found.unindexed, 1, "the split-off profile's email is stored, not a key");
    const asIs = await runCli(['accounts', 'check-merge', '--account', id], env);
    assert.equal(asIs.code, 0, asIs.stdout);
    assert.match(asIs.stdout, /1 stored identifier is not a merge key yet/);
    assert.deepEqual(await snapshot(t.store, id), before, 'nothing written');
  });

  test('switching merging on does not split existing customers: index-merge-keys makes their stored values keys, collisions left and reported', async () => {
    const { keys, api } = await account({ mergeBy: 'none' });
    const id = keys.account.id;
    const env = { DATABASE_URL: (t.store as Store & { url: string }).url, LOG_LEVEL: 'warn' };
    const old = (await api.upsert({ customerId: 'old', email: 'p@g.io' })).json().gameballId;
    const dup = (await api.upsert({ customerId: 'dup-1', email: 'shared@g.io' })).json().gameballId;
    await api.upsert({ customerId: 'dup-2', email: 'Shared@g.io' });
    const check = await runCli(['accounts', 'check-merge', '--account', id, '--merge-by', 'email', '--json'], env);
    assert.deepEqual(
      JSON.parse(check.stdout).collisions.map((c: { key: string }) => c.key),
      ['shared@g.io'],
    );
    const switched = await runCli(['accounts', 'update', id, '--merge-by', 'email', '--index-existing', '--json'], env);
    assert.equal(switched.code, 0, switched.stderr);
    const { indexing } = JSON.parse(switched.stdout);
    assert.equal(indexing.indexed, 1);
    assert.deepEqual(
      indexing.collisions.map((c: { key: string; gameballIds: number[] }) => [c.key, c.gameballIds.length]),
      [['shared@g.io', 2]],
    );
    // The existing customer is found by its email; it may keep sending it; the shared value joins no one.
    assert.equal((await api.upsert({ customerId: 'new', email: 'P@G.io' })).json().gameballId, old);
    assert.equal((await api.upsert({ customerId: 'old', email: 'p@g.io' })).statusCode, 200);
    assert.notEqual((await api.upsert({ customerId: 'dup-3', email: 'shared@g.io' })).json().gameballId, dup);
    assert.equal((await api.upsert({ customerId: 'dup-1', email: 'shared@g.io' })).statusCode, 200);
    // A second run finds nothing more to do.
    const again = await runCli(['accounts', 'index-merge-keys', '--account', id], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Indexed 0 stored identifiers/m);
  });
});
