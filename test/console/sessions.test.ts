import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSignInToken } from '../../src/modules/accounts/console-access.service.js';
import { addSubscription } from '../../src/modules/webhooks/webhooks.service.js';
import { buildTestApp, type TestAccount } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

/** Signs in through a fresh link as the browser would; answers the session cookie. */
async function signIn(keys: TestAccount, role: 'viewer' | 'editor' = 'editor'): Promise<string> {
  const { token } = await createSignInToken(t.store, keys.account.id, role, '15m');
  const res = await t.app.inject({ method: 'GET', url: `/console/sign-in?token=${token}` });
  assert.equal(res.statusCode, 303);
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /patron_console=[^;]+; Max-Age=28800; Path=\/console; HttpOnly; SameSite=Strict/);
  return cookie.split(';')[0]!;
}

describe(`console sessions (${TEST_STORE})`, () => {
  test("a session sees its own account only: another account's customer is not found, its delivery not replayed", async () => {
    const mine = await t.newAccount();
    const theirs = await t.newAccount();
    await addSubscription(t.store, theirs.account.id, 'https://93.184.216.34/hooks', ['customer.profile.updated']);
    await client(t.app, theirs).upsert({ customerId: 'their-customer' });
    const cookie = await signIn(mine);
    const page = await t.app.inject({ method: 'GET', url: '/console/customers/their-customer', headers: { cookie } });
    assert.equal(page.statusCode, 404);
    const delivery = await t.store.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'next_attempt_at'])
      .where('account_id', '=', theirs.account.id)
      .executeTakeFirstOrThrow();
    const csrf = /name="csrf" value="([^"]+)"/.exec(
      (await t.app.inject({ method: 'GET', url: '/console/webhooks', headers: { cookie } })).body,
    )![1]!;
    const replay = await t.app.inject({
      method: 'POST',
      url: `/console/deliveries/${delivery.id}/replay`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${encodeURIComponent(csrf)}`,
    });
    assert.equal(replay.statusCode, 404);
    const after = await t.store.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'next_attempt_at'])
      .where('id', '=', delivery.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(after, delivery, "the other account's delivery is untouched");
    assert.match(replay.body, /No webhook delivery with id &quot;\d+&quot; in this account/);

    const submitted = await t.app.inject({
      method: 'POST',
      url: '/api/v4.0/integrations/batch/customers',
      headers: { apikey: theirs.apiKey, secretkey: theirs.secretKey },
      payload: { body: [{ customerId: 'their-batch' }] },
    });
    const jobId = String(submitted.json().jobId);
    for (const id of [jobId, 'not-a-job', '99999999999999999999']) {
      const batch = await t.app.inject({ method: 'GET', url: `/console/batches/${id}`, headers: { cookie } });
      assert.equal(batch.statusCode, 404, `batch page ${id}`);
      assert.match(batch.body, new RegExp(`No batch job ${id} in this account`));
      const progress = await t.app.inject({
        method: 'GET',
        url: `/console/batches/${id}/progress`,
        headers: { cookie },
      });
      assert.deepEqual([progress.statusCode, progress.json()], [404, { status: 'unknown' }], `progress ${id}`);
    }
  });

  test('an expired session and an expired link sign no one in', async () => {
    const keys = await t.newAccount();
    const cookie = await signIn(keys, 'viewer');
    assert.equal((await t.app.inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode, 200);
    await t.store.write(({ db }) =>
      db
        .updateTable('console_sessions')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('account_id', '=', keys.account.id)
        .execute(),
    );
    assert.equal((await t.app.inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode, 401);
    const { token } = await createSignInToken(t.store, keys.account.id, 'viewer', '1m');
    await t.store.write(({ db }) =>
      db
        .updateTable('console_links')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('account_id', '=', keys.account.id)
        .execute(),
    );
    const late = await t.app.inject({ method: 'GET', url: `/console/sign-in?token=${token}` });
    assert.equal(late.statusCode, 401);
    assert.match(late.body, /unknown, expired or already used/);
  });

  test('the API still takes JSON only: a form body to an API write is refused, not read', async () => {
    const keys = await t.newAccount();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v4.0/integrations/customers',
      headers: { apikey: keys.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'customerId=form',
    });
    assert.deepEqual([res.statusCode, res.json().code], [415, 3013]);
  });
});
