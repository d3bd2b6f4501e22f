import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { newAccount } from '../helpers/accounts.js';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/db/connect.js';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import type { AccountRecord } from '../../src/modules/accounts/accounts.types.js';
import { upsertItems } from '../../src/modules/batches/batches.service.js';
import { getCustomerWithIds } from '../../src/modules/customers/customers.service.js';
import { exportCustomer } from '../../src/modules/customers/customer-export.service.js';
import { upsertCustomer } from '../../src/modules/customers/upsert.engine.js';
import { mergeKeyId } from '../../src/modules/identity/index.js';
import { resolveMany } from '../../src/modules/customers/customers.store.js';
import { openTestStore, TEST_STORE } from '../helpers/store.js';

/** A list's set-wise resolution, and lists whose items depend on each other (they apply in order). */
describe(`lists of upserts (${TEST_STORE})`, () => {
  let store: Store;
  let merging: AccountRecord;

  before(async () => {
    store = await openTestStore();
    merging = (await findAccountRecord(store, (await newAccount(store, { mergeBy: 'email' }, 'lists')).id))!;
    await upsertCustomer(store, merging, { customerId: 'known', email: 'known@shop.io' });
  });
  after(() => store.close());

  test('resolveMany finds profiles by customerId and by merge key, and nothing for unknown ones', async () => {
    const known = await store.write((tx) =>
      resolveMany(
        tx.sql,
        store.dialect,
        merging.id,
        ['known', 'nobody'],
        [
          { kind: 'email', key: 'known@shop.io' },
          { kind: 'email', key: 'nobody@shop.io' },
        ],
      ),
    );
    assert.deepEqual([...known.byCustomerId.keys()], ['known']);
    assert.deepEqual([...known.byKey.keys()], [mergeKeyId('email', 'known@shop.io')]);
    assert.equal(
      known.byKey.get(mergeKeyId('email', 'known@shop.io'))!.gameballId,
      known.byCustomerId.get('known')!.gameballId,
    );
  });

  test('items of one list see the items before them: create, then merge into it, then change it through either customerId', async () => {
    const outcomes = await upsertItems(store, merging, [
      { customerId: 'l-1', email: 'list@shop.io', customerAttributes: { city: 'Cairo' } },
      { customerId: 'l-2', email: 'LIST@shop.io' },
      { customerId: 'l-1', email: 'moved@shop.io' },
      { customerId: 'l-3', email: 'list@shop.io' },
      { customerId: 'l-2', customerAttributes: { city: 'Giza' } },
      { customerId: 'known', email: 'moved@shop.io' },
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.errorCode),
      [null, null, null, null, null, 3008],
    );
    const [first, second, third, fourth, fifth] = outcomes.map((o) => o.gameballId);
    assert.equal(second, first, 'l-2 merged into the profile l-1 created in the same list');
    assert.equal(third, first);
    assert.notEqual(fourth, first, 'the email moved off that profile, so l-3 made a new one');
    assert.equal(fifth, first);
    const profile = await getCustomerWithIds(store, merging, 'l-2');
    assert.deepEqual(profile.customerIds.sort(), ['l-1', 'l-2']);
    assert.equal(profile.profile.email, 'moved@shop.io');
    assert.equal(profile.profile.attributes.city, 'Giza');
  });
});

/**
 * A list writes its new profiles together (profile-inserts.store.ts): what it stores must be what
 * the same requests one at a time store — profiles, customerIds, history, referrals, outcomes.
 */
describe(`a list's new profiles, written together (${TEST_STORE})`, () => {
  let store: Store;
  after(() => store?.close());

  /** What a customer's export says, without what differs between two accounts (ids, codes, times). */
  async function comparable(account: AccountRecord, customerId: string) {
    const exported = await exportCustomer(store, account, customerId);
    const profile = exported.profile as unknown as Record<string, unknown>;
    const { gameballId: _g, referralCode, referralLink: _l, createdAt: _c, updatedAt: _u, ...rest } = profile;
    return {
      customerIds: exported.customerIds,
      profile: rest,
      hasReferralCode: typeof referralCode === 'string' && referralCode.length > 0,
      history: exported.history.map((entry) => ({
        operation: entry.operation,
        // A drawn code is random: that one was drawn is what compares.
        changes: entry.changes.map((c) =>
          c.field === 'referralCode' ? { ...c, before: typeof c.before, after: typeof c.after } : c,
        ),
      })),
      referredBy: exported.referrals.referredBy?.customerId ?? null,
    };
  }

  test('store what the same requests one at a time store, and each outcome is the same', async () => {
    store = await openTestStore({ countStatements: true });
    const settings = { mergeBy: 'email' as const, duplicateDetection: true };
    const [together, oneByOne] = await Promise.all([newAccount(store, settings), newAccount(store, settings)]);
    const accounts = await Promise.all([together, oneByOne].map((a) => findAccountRecord(store, a.id)));
    const codes: string[] = [];
    for (const account of accounts) {
      await upsertCustomer(store, account!, { customerId: 'referrer', email: 'referrer@shop.io' });
      codes.push((await getCustomerWithIds(store, account!, 'referrer')).profile.referralCode!);
    }
    const bodies = (code: string): unknown[] => [
      ...Array.from({ length: 12 }, (_, i) => ({
        customerId: `n-${i}`,
        email: `n-${i}@shop.io`,
        mobile: `+2010000000${(10 + i).toString()}`,
        customerAttributes: { displayName: `N ${i}`, custom: { tier: i % 3 } },
      })),
      { customerId: 'guest-1', email: 'guest@shop.io', guest: true },
      { customerId: 'guest-2', email: 'guest-2@shop.io', guest: true },
      { customerId: 'referred', email: 'referred@shop.io', referrerCode: code },
      { customerId: 'n-3', customerAttributes: { city: 'Alexandria' } },
      { customerId: 'joins-n-4', email: 'N-4@shop.io' },
      { customerId: 'bad', email: 'not an email' },
      { customerId: 'self-conflict', email: 'referrer@shop.io', mobile: '+201000000010' },
      { customerId: 'guest-1', guest: false },
      { customerId: 'last', email: 'last@shop.io' },
    ];
    const before = store.statementCount();
    const listed = await upsertItems(store, accounts[0]!, bodies(codes[0]!));
    // One transaction, its new profiles in a few multi-row statements: had it failed and been
    // redone one item per transaction (upsertCustomers), each item would have sent 4 or more.
    assert.ok(store.statementCount() - before < 40, `${store.statementCount() - before} statements`);
    const single = [];
    for (const body of bodies(codes[1]!)) single.push((await upsertItems(store, accounts[1]!, [body]))[0]!);
    const shape = (o: { gameballId: number | null; errorCode: number | null }, i: number, all: typeof listed) => ({
      errorCode: o.errorCode,
      sameProfileAs: o.gameballId === null ? null : all.findIndex((other) => other.gameballId === o.gameballId),
      i,
    });
    assert.deepEqual(listed.map(shape), single.map(shape));
    assert.ok(
      listed.some((o) => o.errorCode === null),
      'the list wrote something',
    );
    const customerIds = [
      'n-0',
      'n-3',
      'n-4',
      'n-11',
      'guest-1',
      'guest-2',
      'referred',
      'joins-n-4',
      'last',
      'referrer',
    ];
    for (const customerId of customerIds)
      assert.deepEqual(
        await comparable(accounts[0]!, customerId),
        await comparable(accounts[1]!, customerId),
        customerId,
      );
    const listedCodes = await Promise.all(
      ['n-0', 'n-1', 'n-2', 'last', 'guest-1'].map(
        async (id) => (await getCustomerWithIds(store, accounts[0]!, id)).profile.referralCode,
      ),
    );
    assert.equal(new Set(listedCodes).size, listedCodes.length, 'every new profile drew a code of its own');
    const guest = await getCustomerWithIds(store, accounts[0]!, 'guest-2');
    assert.equal(guest.profile.referralCode, null, 'a guest draws no code');
  });
});

/**
 * A list is one transaction (on SQLite one of its own, without a savepoint): a fault of one item
 * rolls all of it back, and each item is then written alone, so the fault stays with its item.
 */
describe(`a list with an item that fails unexpectedly (${TEST_STORE})`, () => {
  let store: Store;
  after(() => store?.close());

  test('fails alone (the list is redone item by item), with code 5000, and leaves nothing half written', async () => {
    store = await openTestStore();
    const account = (await findAccountRecord(store, (await newAccount(store, {}, 'chunk-fault')).id))!;
    // A fault injected into the database itself: inserting customerId g-2 raises.
    if (TEST_STORE === 'postgres') {
      await sql`create function fail_g2() returns trigger language plpgsql as $$ begin if new.customer_id = 'g-2' then raise exception 'injected fault'; end if; return new; end $$`.execute(
        store.db,
      );
      await sql`create trigger fail_g2 before insert on customer_ids for each row execute function fail_g2()`.execute(
        store.db,
      );
    } else {
      await sql`create trigger fail_g2 before insert on customer_ids when new.customer_id = 'g-2' begin select raise(abort, 'injected fault'); end`.execute(
        store.db,
      );
    }
    const outcomes = await upsertItems(store, account, [
      { customerId: 'g-1' },
      { customerId: 'g-2' },
      { customerId: 'x'.repeat(101) },
      { customerId: 'g-3' },
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.errorCode),
      [null, 5000, 3003, null],
    );
    assert.match(outcomes[1]!.errorMessage!, /unexpected error; it was not applied/);
    const stored = await store.db
      .selectFrom('customer_ids')
      .select('customer_id')
      .where('account_id', '=', account.id)
      .orderBy('customer_id')
      .execute();
    assert.deepEqual(
      stored.map((r) => r.customer_id),
      ['g-1', 'g-3'],
    );
    const profiles = await store.db
      .selectFrom('profiles')
      .select('gameball_id')
      .where('account_id', '=', account.id)
      .execute();
    assert.equal(profiles.length, 2, 'the failed item left no profile behind');
    assert.deepEqual(
      new Set(profiles.map((p) => p.gameball_id)),
      new Set(outcomes.filter((o) => o.gameballId !== null).map((o) => o.gameballId)),
    );
    // Nothing of the fault stays behind: without it, the item is written.
    if (TEST_STORE === 'postgres') await sql`drop trigger fail_g2 on customer_ids`.execute(store.db);
    else await sql`drop trigger fail_g2`.execute(store.db);
    assert.equal((await upsertCustomer(store, account, { customerId: 'g-2' })).created, true);
  });
});
