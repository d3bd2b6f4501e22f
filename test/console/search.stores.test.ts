import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { COUNT_CAP, nameOf, PAGE_SIZE, searchCustomers } from '../../src/modules/customers/customer-search.store.js';
import { createSignInToken } from '../../src/modules/accounts/console-access.service.js';
import type { UpsertCustomerRequest } from '../../src/modules/customers/customers.schemas.js';
import { upsertCustomers } from '../../src/modules/customers/upsert.engine.js';
import { buildTestApp, type TestAccount } from '../helpers/app.js';
import { client } from '../helpers/client.js';
import { queryPlan } from '../helpers/plan.js';
import { TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

/** Stores many customers at once, through the write core as a batch chunk would. */
async function seed(keys: TestAccount, bodies: object[]): Promise<void> {
  const account = (await findAccountRecord(t.store, keys.account.id))!;
  for (let i = 0; i < bodies.length; i += 500) {
    const outcomes = await upsertCustomers(t.store, account, bodies.slice(i, i + 500) as UpsertCustomerRequest[]);
    assert.ok(
      outcomes.every((o) => o.ok),
      'every seeded customer is stored',
    );
  }
}

/**
 * 112 customers match "user5": user50…user5109 by their customerId and email, c-0005 by its email's
 * whole part before the @ (an exact match, which sorts last among the emails), user5 by its customerId.
 */
async function manyUser5(): Promise<TestAccount> {
  const keys = await t.newAccount();
  await seed(keys, [
    ...Array.from({ length: 110 }, (_, i) => ({ customerId: `user5${i}`, email: `user5${i}@shop.io` })),
    { customerId: 'c-0005', email: 'User5@Shop.io', customerAttributes: { firstName: 'Ann', lastName: 'Lee' } },
    { customerId: 'user5' },
    { customerId: 'c-0006', email: 'user6@shop.io' },
  ]);
  return keys;
}

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
    const find = async (q: string) => (await searchCustomers(t.store, account, q)).hits.map((h) => h.customerId).sort();

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

  test('exact matches come first, before what only begins with the term, with an honest count of all the matches', async () => {
    const keys = await manyUser5();
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    const first = await searchCustomers(t.store, account, 'user5');
    assert.deepEqual(
      first.hits.slice(0, 2).map((h) => h.customerId),
      ['user5', 'c-0005'],
      'the customerId itself, then the email whose part before the @ is the term (any case)',
    );
    assert.equal(first.hits.length, PAGE_SIZE);
    assert.deepEqual([first.offset, first.total, first.capped], [0, 112, false]);
    assert.equal(first.hits[1]!.name, 'Ann Lee', 'first and last name when there is no displayName');
    assert.equal(first.hits[1]!.email, 'User5@Shop.io');

    const byEmail = await searchCustomers(t.store, account, 'USER5@shop.IO');
    assert.deepEqual(
      byEmail.hits.map((h) => h.customerId),
      ['c-0005'],
      'the whole email, any case',
    );
  });

  test('the name shown: displayName, else first and last name, whichever are set', async () => {
    assert.equal(nameOf({ displayName: 'Maria', firstName: 'Maria', lastName: 'Gomez' }), 'Maria');
    assert.equal(nameOf({ displayName: ' ', firstName: 'Maria', lastName: 'Gomez' }), 'Maria Gomez');
    assert.equal(nameOf({ firstName: 'Maria' }), 'Maria');
    assert.equal(nameOf({ lastName: 'Gomez' }), 'Gomez');
    assert.equal(nameOf({ city: 'Cairo' }), null);
    assert.equal(nameOf(null), null);
    const keys = await t.newAccount();
    await client(t.app, keys).upsert({
      customerId: 'named',
      customerAttributes: { firstName: 'Ann', lastName: 'Lee' },
    });
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    assert.deepEqual(
      (await searchCustomers(t.store, account, 'named')).hits.map((h) => h.name),
      ['Ann Lee'],
    );
  });

  test('pages: every match once across the pages, in one order; an offset past the end shows the last page', async () => {
    const keys = await manyUser5();
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    const seen: string[] = [];
    for (let offset = 0; offset < 112; offset += PAGE_SIZE) {
      const page = await searchCustomers(t.store, account, 'user5', offset);
      assert.deepEqual([page.offset, page.total], [offset, 112]);
      seen.push(...page.hits.map((h) => h.customerId));
    }
    assert.equal(seen.length, 112);
    assert.equal(new Set(seen).size, 112, 'no customer twice');
    assert.deepEqual(seen.slice(0, 2), ['user5', 'c-0005']);
    const past = await searchCustomers(t.store, account, 'user5', 10_000);
    assert.equal(past.offset, 100);
    assert.deepEqual(
      past.hits.map((h) => h.customerId),
      seen.slice(100),
    );
  });

  test(`the count stops at ${COUNT_CAP}: "${COUNT_CAP}+", and no page starts past it`, async () => {
    const keys = await t.newAccount();
    await seed(
      keys,
      Array.from({ length: COUNT_CAP + 5 }, (_, i) => ({ customerId: `many-${i}` })),
    );
    const account = (await findAccountRecord(t.store, keys.account.id))!;
    const first = await searchCustomers(t.store, account, 'many-');
    assert.deepEqual([first.total, first.capped, first.hits.length], [COUNT_CAP, true, PAGE_SIZE]);
    const last = await searchCustomers(t.store, account, 'many-', COUNT_CAP + 3);
    assert.deepEqual([last.offset, last.hits.length], [COUNT_CAP - PAGE_SIZE, PAGE_SIZE]);
  });

  test('the page says "first 20 of N", links to the next page, and names a customer by first and last name', async () => {
    const keys = await manyUser5();
    const { token } = await createSignInToken(t.store, keys.account.id, 'viewer', '15m');
    const signIn = await t.app.inject({ method: 'GET', url: `/console/sign-in?token=${token}` });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie } });
    const caption = (body: string) => /<caption[^>]*>\s*([^<]*?)\s*<\/caption>/.exec(body)?.[1];
    const next = (body: string) => /<a href="([^"]*)">Next/.exec(body)?.[1]?.replaceAll('&amp;', '&');

    const first = (await get('/console?q=user5')).body;
    assert.equal(caption(first), 'first 20 of 112 matches');
    assert.match(first, /<td>Ann Lee<\/td>/);
    assert.equal(next(first), '/console?q=user5&offset=20');
    const second = (await get(next(first)!)).body;
    assert.equal(caption(second), 'matches 21–40 of 112');
    assert.match(second, /<a href="\/console\?q=user5">Previous 20 matches<\/a>/);
    const last = (await get('/console?q=user5&offset=100')).body;
    assert.equal(caption(last), 'matches 101–112 of 112');
    assert.equal(next(last), undefined, 'no next page after the last');
    assert.equal(caption((await get('/console?q=user5&offset=nonsense')).body), 'first 20 of 112 matches');
    assert.equal(caption((await get('/console?q=user50')).body), '1 match');
  });

  test('the email and mobile searches go by their indexes, never through other profiles', async () => {
    // An account with profiles, and statistics that say so: for an account of a profile or two, a
    // walk of the account's part of the primary key (account_id, gameball_id) costs the same, and
    // PostgreSQL takes either, depending on when autovacuum last analysed.
    const { account } = await manyUser5();
    if (TEST_STORE === 'postgres') await sql`analyze profiles`.execute(t.store.db);
    const email = `select gameball_id from profiles where account_id = '${account.id}' and lower(email) >= 'mar' and lower(email) < 'mas'`;
    const mobile = `select gameball_id from profiles where account_id = '${account.id}' and mobile = '+2010'`;
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
