import assert from 'node:assert/strict';
import { newAccount } from '../helpers/accounts.js';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/db/connect.js';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import type { AccountRecord } from '../../src/modules/accounts/accounts.types.js';
import { upsertItems } from '../../src/modules/batches/batches.service.js';
import { getCustomerWithIds } from '../../src/modules/customers/customers.service.js';
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
