import assert from 'node:assert/strict';
import { newAccount } from '../../helpers/accounts.js';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../../src/db/connect.js';
import { AppError } from '../../../src/errors.js';
import { findAccountRecord } from '../../../src/modules/accounts/accounts.service.js';
import type { AccountRecord } from '../../../src/modules/accounts/accounts.types.js';
import { upsertItems } from '../../../src/modules/batches/batches.service.js';
import { upsertCustomer } from '../../../src/modules/customers/upsert.engine.js';
import { openTestStore } from '../../helpers/store.js';

/** The embedded store's group commit (docs/api.md "Concurrency": some serial order; here, arrival order). */
describe('group commit on the embedded store', () => {
  let store: Store;
  let account: AccountRecord;

  before(async () => {
    store = await openTestStore({ countStatements: true });
    account = (await findAccountRecord(store, (await newAccount(store, {}, 'groups')).id))!;
  });
  after(() => store.close());

  const retired = async (prefix: string) =>
    (
      await store.db
        .selectFrom('retired_referral_codes')
        .select('code')
        .where('code', 'like', `${prefix}%`)
        .orderBy('retired_at')
        .orderBy('code')
        .execute()
    ).map((r) => r.code);

  const writeCode = (code: string, fail?: Error) =>
    store.write(async ({ db }) => {
      await db
        .insertInto('retired_referral_codes')
        .values({ account_id: account.id, code, retired_at: new Date().toISOString() })
        .execute();
      if (fail) throw fail;
      return code;
    });

  test('writes that arrive together share one transaction and apply in arrival order', async () => {
    const before = store.statementCount();
    const order: string[] = [];
    const writes = Array.from({ length: 20 }, (_, i) =>
      store.write(async ({ sql }) => {
        order.push(`A${String(i).padStart(2, '0')}`);
        await sql.run('insert into retired_referral_codes (account_id, code, retired_at) values (?, ?, ?)', [
          account.id,
          `A${String(i).padStart(2, '0')}`,
          new Date().toISOString(),
        ]);
      }),
    );
    await Promise.all(writes);
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => `A${String(i).padStart(2, '0')}`),
    );
    // One BEGIN and one COMMIT for the 20, a savepoint and a release each, and the 20 inserts.
    assert.equal(store.statementCount() - before, 2 + 20 * 3);
    assert.equal((await retired('A')).length, 20);
  });

  test('a failing write undoes only itself; the others of its group commit and hear their own result', async () => {
    const results = await Promise.allSettled([
      writeCode('B1'),
      writeCode('B2', new AppError('invalidValue', 'rejected on purpose')),
      writeCode('B3', new Error('unexpected on purpose')),
      writeCode('B4'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /rejected on purpose/);
    assert.match(String((results[2] as PromiseRejectedResult).reason), /unexpected on purpose/);
    assert.deepEqual(await retired('B'), ['B1', 'B4']);
  });

  test('a 200 is sent after the commit: a write has settled only once its group committed', async () => {
    let settledBeforeCommit = false;
    const first = store.write(async ({ sql }) => {
      await sql.run('insert into retired_referral_codes (account_id, code, retired_at) values (?, ?, ?)', [
        account.id,
        'C1',
        new Date().toISOString(),
      ]);
    });
    let firstSettled = false;
    void first.then(() => (firstSettled = true));
    await store.write(async () => {
      // Runs in the same group, after the first: the first cannot have been answered yet.
      settledBeforeCommit = firstSettled;
    });
    await first;
    assert.equal(settledBeforeCommit, false);
  });

  test('a batch chunk: an item that fails unexpectedly fails alone, with code 5000; the rest are stored', async () => {
    // A fault injected into the database itself: inserting customerId g-2 aborts.
    await sql`create trigger fail_g2 before insert on customer_ids when new.customer_id = 'g-2' begin select raise(abort, 'injected fault'); end`.execute(
      store.db,
    );
    try {
      const items = [
        { customerId: 'g-1' },
        { customerId: 'g-2' },
        { customerId: 'x'.repeat(101) },
        { customerId: 'g-3' },
      ];
      const outcomes = await upsertItems(store, account, items);
      assert.deepEqual(
        outcomes.map((o) => o.errorCode),
        [null, 5000, 3003, null],
      );
      assert.match(outcomes[1]!.errorMessage!, /unexpected error; it was not applied/);
      const stored = await store.db
        .selectFrom('customer_ids')
        .select('customer_id')
        .where('account_id', '=', account.id)
        .where('customer_id', 'like', 'g-%')
        .orderBy('customer_id')
        .execute();
      assert.deepEqual(
        stored.map((r) => r.customer_id),
        ['g-1', 'g-3'],
      );
      // The failed item left no profile behind either (its savepoint was rolled back whole).
      const profiles = await store.db
        .selectFrom('profiles')
        .select('gameball_id')
        .where('account_id', '=', account.id)
        .execute();
      assert.deepEqual(
        new Set(profiles.map((p) => p.gameball_id)),
        new Set(outcomes.filter((o) => o.gameballId !== null).map((o) => o.gameballId)),
      );
    } finally {
      await sql`drop trigger fail_g2`.execute(store.db);
    }
    assert.equal((await upsertCustomer(store, account, { customerId: 'g-2' })).created, true);
  });
});
