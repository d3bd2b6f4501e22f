import assert from 'node:assert/strict';
import { newAccount } from '../helpers/accounts.js';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/db/connect.js';
import { findAccountById } from '../../src/modules/accounts/accounts.store.js';
import type { AccountRecord } from '../../src/modules/accounts/accounts.types.js';
import { upsertItems } from '../../src/modules/batches/batches.service.js';
import { getCustomer } from '../../src/modules/customers/customers.service.js';
import { upsertCustomer } from '../../src/modules/customers/upsert.engine.js';
import { openTestStore, TEST_STORE } from '../helpers/store.js';

/**
 * Statements each operation sends, BEGIN and COMMIT included: on PostgreSQL each is a round
 * trip. A count, not a timing, so it holds on any machine; it fails if the write path grows.
 * SQLite's figures include the group commit's own statements (begin, savepoint, release,
 * commit), which a group of concurrent requests shares.
 */
const EXPECTED: Record<typeof TEST_STORE, Record<'create' | 'update' | 'merge' | 'read' | 'chunk', number>> = {
  // begin; savepoint; resolve; insert profile (already pointing at the entry to come); insert
  // customerId; insert history entry; the possible-duplicates queue row; release; commit. An
  // update of an identity field: the entry, the queue row, then the profile with its new head.
  // (The queue row is a prepared statement in process: a few µs.)
  sqlite: { create: 9, update: 8, merge: 9, read: 3, chunk: 10 },
  // begin + key locks; resolve (rows locked); one write statement (the history entry and the
  // possible-duplicates queue row ride in it); commit.
  postgres: { create: 4, update: 4, merge: 4, read: 1, chunk: 10 },
};
/**
 * A chunk of new customers, whatever its size (both stores): begin (+ all keys); one set-wise
 * resolve by customerId; the referral codes drawn checked in one read; the profiles' and the
 * entries' ids reserved (two); one multi-row insert each of profiles, customerIds, history
 * entries and queue rows; commit.
 */

/**
 * PostgreSQL round trips, statements sent together counted once (pg's pipeline mode): BEGIN with
 * the key locks goes with the resolving read; the write goes with COMMIT (WriteTx.last).
 */
const FLIGHTS = { create: 2, update: 2, merge: 2, read: 1 };

describe(`statements per operation (${TEST_STORE})`, () => {
  let store: Store;
  let plain: AccountRecord;
  let merging: AccountRecord;

  before(async () => {
    store = await openTestStore({ countStatements: true });
    plain = (await findAccountById(store.db, (await newAccount(store, {}, 'plain')).id))!;
    merging = (await findAccountById(store.db, (await newAccount(store, { mergeBy: 'email' }, 'merging')).id))!;
    await upsertCustomer(store, merging, { customerId: 'm-1', email: 'm-1@shop.io' });
  });
  after(() => store.close());

  /** Flights (round trips) of the last counted operation, on PostgreSQL. */
  let lastFlights = 0;
  async function counted(operation: () => Promise<unknown>): Promise<number> {
    const before = store.statementCount();
    const flightsBefore = store.flightCount();
    await operation();
    lastFlights = store.flightCount() - flightsBefore;
    return store.statementCount() - before;
  }

  const body = (n: number) => ({
    customerId: 'c-1',
    email: 'c-1@shop.io',
    customerAttributes: { displayName: `Customer ${n}`, totalOrders: n },
  });

  test('create', async () => {
    assert.equal(await counted(() => upsertCustomer(store, plain, body(1))), EXPECTED[TEST_STORE].create);
    if (TEST_STORE === 'postgres') assert.equal(lastFlights, FLIGHTS.create, 'round trips');
  });

  test('update', async () => {
    assert.equal(await counted(() => upsertCustomer(store, plain, body(2))), EXPECTED[TEST_STORE].update);
    if (TEST_STORE === 'postgres') assert.equal(lastFlights, FLIGHTS.update, 'round trips');
  });

  test('merge (a new customerId joins the profile of its email)', async () => {
    const statements = await counted(async () => {
      const { merged } = await upsertCustomer(store, merging, {
        customerId: 'm-2',
        email: 'M-1@shop.io',
        customerAttributes: { totalOrders: 3 },
      });
      assert.ok(merged);
    });
    assert.equal(statements, EXPECTED[TEST_STORE].merge);
    if (TEST_STORE === 'postgres') assert.equal(lastFlights, FLIGHTS.merge, 'round trips');
  });

  for (const size of [10, 250]) {
    test(`a batch chunk of ${size} new customers: as many statements as a chunk of any size`, async () => {
      const items = Array.from({ length: size }, (_, i) => ({
        customerId: `chunk-${size}-${i}`,
        customerAttributes: { totalOrders: i },
      }));
      const statements = await counted(async () => {
        const outcomes = await upsertItems(store, plain, items);
        assert.deepEqual(
          outcomes.map((o) => o.errorCode),
          Array(size).fill(null),
        );
      });
      assert.equal(statements, EXPECTED[TEST_STORE].chunk);
    });
  }

  test('read', async () => {
    assert.equal(await counted(() => getCustomer(store, plain, 'c-1')), EXPECTED[TEST_STORE].read);
    if (TEST_STORE === 'postgres') assert.equal(lastFlights, FLIGHTS.read, 'round trips');
  });
});
