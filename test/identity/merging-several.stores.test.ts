import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeAccount, findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { upsertCustomers } from '../../src/modules/customers/upsert.engine.js';
import type { AppError } from '../../src/errors.js';
import { buildTestApp, refusedUnchanged, snapshot } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';
import { runCli } from '../helpers/cli.js';
import type { Store } from '../../src/db/connect.js';
import { findMergeCollisions } from '../../src/modules/customers/check-merge.service.js';

const t = await buildTestApp();

async function account(mergeBy: 'email,mobile' | 'mobile,email') {
  const keys = await t.newAccount({ mergeBy, defaultCountry: 'EG' });
  return { keys, api: client(t.app, keys) };
}

describe(`merging on several identifiers (${TEST_STORE})`, () => {
  test('mergeBy takes a priority list; spaces and case are forgiven; other lists are refused by name', async () => {
    const { keys } = await account('email,mobile');
    assert.equal(keys.account.mergeBy, 'email,mobile');
    assert.equal(
      (await changeAccount(t.store, keys.account.id, { mergeBy: ' Mobile, email ' as never })).mergeBy,
      'mobile,email',
    );
    for (const bad of ['email,email', 'email,mobile,none', 'phone', 'email;mobile']) {
      await assert.rejects(
        changeAccount(t.store, keys.account.id, { mergeBy: bad as never }),
        /'mergeBy'.*email,mobile, mobile,email/,
        bad,
      );
    }
  });

  test('an unknown customerId whose identifiers point at one profile joins it (by either, or both)', async () => {
    const { api } = await account('email,mobile');
    const first = (await api.upsert({ customerId: 'web', email: 'ann@x.io', mobile: '+201001234567' })).json()
      .gameballId;
    const byEmail = await api.upsert({ customerId: 'pos', email: 'ANN@x.io ' });
    const byMobile = await api.upsert({ customerId: 'app', mobile: '01001234567' });
    const byBoth = await api.upsert({
      customerId: 'kiosk',
      email: 'ann@x.io',
      mobile: '+20 100 123 4567',
      customerAttributes: { city: 'Giza' },
    });
    for (const res of [byEmail, byMobile, byBoth])
      assert.deepEqual([res.statusCode, res.json().gameballId], [200, first], res.body);
    const profile = await api.profile('web');
    assert.deepEqual(profile.mergedCustomerIds, ['web', 'pos', 'app', 'kiosk']);
    assert.equal(profile.customerAttributes.city, 'Giza');
  });

  test('one identifier known, the other new: joins the known one and takes the new value', async () => {
    const { api } = await account('email,mobile');
    const first = (await api.upsert({ customerId: 'a1', email: 'bea@x.io' })).json().gameballId;
    const joined = await api.upsert({ customerId: 'a2', email: 'bea@x.io', mobile: '+201002222222' });
    assert.equal(joined.json().gameballId, first);
    assert.equal((await api.profile('a1')).mobile, '+201002222222');
    // The new mobile now reaches the profile too.
    assert.equal((await api.upsert({ customerId: 'a3', mobile: '+201002222222' })).json().gameballId, first);
  });

  test('identifiers of two different profiles → 422/3008 naming the lower-priority one, nothing written (both orders)', async () => {
    for (const mergeBy of ['email,mobile', 'mobile,email'] as const) {
      const { api } = await account(mergeBy);
      await api.upsert({ customerId: 'e-owner', email: 'cat@x.io' });
      await api.upsert({ customerId: 'm-owner', mobile: '+201003333333' });
      const lower = mergeBy === 'email,mobile' ? 'mobile' : 'email';
      const message = await refusedUnchanged(
        t.store,
        api,
        { customerId: 'newcomer', email: 'cat@x.io', mobile: '+201003333333' },
        422,
        3008,
        lower,
      );
      assert.doesNotMatch(message, /gameballId/, 'no other profile is described to an apiKey-only caller');
    }
  });

  test('a known customerId carrying an identifier owned by another profile → 422/3008 naming it (each identifier, higher priority first)', async () => {
    const { api } = await account('email,mobile');
    await api.upsert({ customerId: 'owner', email: 'dan@x.io', mobile: '+201004444444' });
    await api.upsert({ customerId: 'other', email: 'eve@x.io' });
    await refusedUnchanged(t.store, api, { customerId: 'other', mobile: '+201004444444' }, 422, 3008, 'mobile');
    await refusedUnchanged(t.store, api, { customerId: 'other', email: 'dan@x.io' }, 422, 3008, 'email');
    await refusedUnchanged(
      t.store,
      api,
      { customerId: 'other', email: 'dan@x.io', mobile: '+201004444444' },
      422,
      3008,
      'email',
    );
    await refusedUnchanged(
      t.store,
      api,
      { customerId: 'other', customerAttributes: { mobile: '+201004444444' } },
      422,
      3008,
      'customerAttributes.mobile',
    );
    // Its own identifiers, or free ones, are fine.
    assert.equal(
      (await api.upsert({ customerId: 'other', email: 'eve@x.io', mobile: '+201005555555' })).statusCode,
      200,
    );
  });

  test('a new profile needs at least one identifier: 400/3000 naming the higher-priority one', async () => {
    for (const [mergeBy, field] of [
      ['email,mobile', 'email'],
      ['mobile,email', 'mobile'],
    ] as const) {
      const { api } = await account(mergeBy);
      const message = await refusedUnchanged(
        t.store,
        api,
        { customerId: 'nobody', customerAttributes: { city: 'Cairo' } },
        400,
        3000,
        field,
      );
      assert.match(message, /at least one of them/);
      await refusedUnchanged(t.store, api, { customerId: 'nobody', email: null, mobile: null }, 400, 3000, field);
      // Either identifier alone is enough.
      assert.equal((await api.upsert({ customerId: 'only-mobile', mobile: '+201006666666' })).statusCode, 200);
      assert.equal((await api.upsert({ customerId: 'only-email', email: 'fay@x.io' })).statusCode, 200);
    }
  });

  test('an unreadable identifier is 422/3003 naming it, even when the other one is fine', async () => {
    const { api } = await account('email,mobile');
    await refusedUnchanged(
      t.store,
      api,
      { customerId: 'u1', email: 'ok@x.io', mobile: 'call me' },
      422,
      3003,
      'mobile',
    );
    await refusedUnchanged(
      t.store,
      api,
      { customerId: 'u1', email: 'not-an-email', mobile: '+201007777777' },
      422,
      3003,
      'email',
    );
  });

  test('an identifier the request does not carry keeps what it was; clearing it frees it', async () => {
    const { api } = await account('email,mobile');
    const gid = (await api.upsert({ customerId: 'keep', email: 'gus@x.io', mobile: '+201008888888' })).json()
      .gameballId;
    await api.upsert({ customerId: 'keep', email: 'gus2@x.io' });
    assert.equal(
      (await api.upsert({ customerId: 'keep-2', mobile: '+201008888888' })).json().gameballId,
      gid,
      'the mobile still merges',
    );
    await api.upsert({ customerId: 'keep', mobile: null });
    const fresh = await api.upsert({ customerId: 'keep-3', mobile: '+201008888888' });
    assert.notEqual(fresh.json().gameballId, gid, 'a cleared mobile belongs to nobody');
  });

  test('changing mergeBy applies from then on: an identifier stored before is a plain value, never a conflict for its own profile', async () => {
    const keys = await t.newAccount({ mergeBy: 'email', defaultCountry: 'EG' });
    const api = client(t.app, keys);
    const old = (await api.upsert({ customerId: 'old', email: 'hal@x.io', mobile: '+201009999999' })).json().gameballId;
    await changeAccount(t.store, keys.account.id, { mergeBy: 'email,mobile' });
    // The old profile's mobile was stored before the account merged by mobile: not indexed yet.
    const stranger = (await api.upsert({ customerId: 'stranger', mobile: '+201009999999' })).json().gameballId;
    assert.notEqual(stranger, old);
    // An update of the old profile that does not carry the mobile cannot collide with it…
    assert.equal((await api.upsert({ customerId: 'old', customerAttributes: { city: 'Aswan' } })).statusCode, 200);
    // …nor one that carries it: the old profile holds it as a plain value, and may keep sending it
    // (docs/identity.md "Merge protection"); the key stays with the profile that took it.
    const resent = await api.upsert({ customerId: 'old', mobile: '+201009999999' });
    assert.deepEqual([resent.statusCode, resent.json().gameballId], [200, old], resent.body);
    assert.equal((await api.upsert({ customerId: 'stranger-2', mobile: '01009999999' })).json().gameballId, stranger);
    // The email still merges as before.
    assert.equal((await api.upsert({ customerId: 'old-pos', email: 'hal@x.io' })).json().gameballId, old);
  });

  test('a list (a batch or import chunk) resolves several identifiers the same way as single requests', async () => {
    const { keys } = await account('mobile,email');
    const record = (await findAccountRecord(t.store, keys.account.id))!;
    const outcomes = await upsertCustomers(t.store, record, [
      { customerId: 'b1', email: 'ida@x.io' },
      { customerId: 'b2', mobile: '+201001010101' },
      { customerId: 'b3', email: 'ida@x.io', mobile: '+201001010101' },
      { customerId: 'b4', email: 'ida@x.io', mobile: '+201002020202' },
      { customerId: 'b5' },
    ]);
    const codes = outcomes.map((o) => (o.ok ? o.result.gameballId : (o.error as AppError).code));
    assert.equal(codes[2], 3008);
    assert.match(
      (outcomes[2] as { error: AppError }).error.message,
      /\bemail\b/,
      'b3: the lower-priority identifier (email) is named',
    );
    assert.equal(codes[3], codes[0], 'b4 joined the email owner');
    assert.equal(codes[4], 3000);
  });

  test('patron accounts check-merge lists the profiles that share an identifier under the merging asked for, and changes nothing', async () => {
    const keys = await t.newAccount({ mergeBy: 'none', defaultCountry: 'EG' });
    const api = client(t.app, keys);
    const a = (await api.upsert({ customerId: 'c-a', email: 'Jo@x.io', mobile: '01001212121' })).json().gameballId;
    const b = (await api.upsert({ customerId: 'c-b', email: 'jo@x.io ', mobile: '+201003434343' })).json().gameballId;
    await api.upsert({ customerId: 'c-b2', email: 'other@x.io' });
    const c = (await api.upsert({ customerId: 'c-c', mobile: '+20 100 121 2121' })).json().gameballId;
    const before = await snapshot(t.store, keys.account.id);
    const env = { DATABASE_URL: (t.store as Store & { url: string }).url, LOG_LEVEL: 'warn' };
    const both = await runCli(
      ['accounts', 'check-merge', '--account', keys.account.id, '--merge-by', 'email,mobile', '--json'],
      env,
    );
    assert.equal(both.code, 3, both.stderr);
    const found = JSON.parse(both.stdout) as {
      collisions: Array<{ kind: string; key: string; profiles: Array<{ gameballId: number; customerIds: string[] }> }>;
    };
    assert.deepEqual(found.collisions.map((x) => [x.kind, x.key, x.profiles.map((p) => p.gameballId)]).sort(), [
      ['email', 'jo@x.io', [a, b]],
      ['mobile', '+201001212121', [a, c]],
    ]);
    assert.deepEqual(found.collisions.find((x) => x.kind === 'email')!.profiles[1]!.customerIds, ['c-b']);
    const text = await runCli(['accounts', 'check-merge', '--account', keys.account.id, '--merge-by', 'mobile'], env);
    assert.equal(text.code, 3);
    assert.match(text.stdout, /^1 group of profiles share an identifier/m);
    assert.match(
      text.stdout,
      new RegExp(
        `^mobile \\+201001212121: gameballId ${a} \\(customerIds c-a\\), gameballId ${c} \\(customerIds c-c\\)$`,
        'm',
      ),
    );
    const clean = await runCli(
      ['accounts', 'check-merge', '--account', keys.account.id, '--merge-by', 'email', '--json'],
      { ...env },
    );
    assert.equal(clean.code, 3, 'the email is shared too');
    const none = await findMergeCollisions(t.store, keys.account.id, 'none');
    assert.deepEqual(none, []);
    assert.deepEqual(await snapshot(t.store, keys.account.id), before, 'nothing written');
    const unknown = await runCli(['accounts', 'check-merge', '--account', 'acc_nope', '--merge-by', 'email'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No account with id "acc_nope"/);
  });
});
