import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { searchCustomers } from '../../src/console/console-search.js';
import { buildTestApp } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { queryPlan } from '../helpers/plan.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

describe(`console search (${TEST_STORE})`, () => {
  test('finds by customerId or its beginning, gameballId, referral code, email beginning (any case) and mobile; one account only', async () => {
    const keys = await t.newAccount();
    const api = client(t.app, keys);
    await api.upsert({
      customerId: 'shop-1001',
      email: 'Maria.Gomez@Shop.io',
      mobile: '+201001112223',
      customerAttributes: { displayName: 'Maria' },
    });
    await api.upsert({ customerId: 'shop-1002', email: 'mario@shop.io' });
    await api.upsert({ customerId: 'pos-77', email: 'zed@else.io' });
    const other = client(t.app, await t.newAccount());
    await other.upsert({ customerId: 'shop-9999', email: 'maria.other@shop.io' });
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    const find = async (q: string) => (await searchCustomers(t.store, account, q)).map((h) => h.customerId).sort();

    assert.deepEqual(await find('shop-'), ['shop-1001', 'shop-1002']);
    assert.deepEqual(await find('pos-77'), ['pos-77']);
    assert.deepEqual(await find('mari'), ['shop-1001', 'shop-1002'], 'email beginning');
    assert.deepEqual(await find('MARIA.G'), ['shop-1001'], 'any case');
    assert.deepEqual(await find('+201001112223'), ['shop-1001']);
    const maria = (await api.profile('shop-1001')) as unknown as { gameballId: number; referralCode: string };
    assert.deepEqual(await find(String(maria.gameballId)), ['shop-1001']);
    assert.deepEqual(await find(maria.referralCode.toLowerCase()), ['shop-1001']);
    assert.deepEqual(await find('nobody'), []);
    assert.deepEqual(await find('   '), []);
  });

  test('the email and mobile searches go by their indexes, never through other profiles', async () => {
    const email =
      "select gameball_id from profiles where account_id = 'a' and lower(email) >= 'mar' and lower(email) < 'mas'";
    const mobile = "select gameball_id from profiles where account_id = 'a' and mobile = '+2010'";
    for (const [statement, index] of [
      [email, 'profiles_email_search'],
      [mobile, 'profiles_mobile_search'],
    ] as const) {
      const plan = await queryPlan(t.store, TEST_STORE, statement);
      assert.match(plan, new RegExp(index), plan);
      assert.doesNotMatch(plan, TEST_STORE === 'sqlite' ? /SCAN profiles\b(?! USING)/ : /Seq Scan on profiles/, plan);
    }
  });
});
