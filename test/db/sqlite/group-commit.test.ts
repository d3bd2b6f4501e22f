import assert from 'node:assert/strict';
import { newAccount } from '../../helpers/accounts.js';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../../src/db/connect.js';
import { AppError } from '../../../src/errors.js';
import { findAccountRecord } from '../../../src/modules/accounts/accounts.service.js';
import type { AccountRecord } from '../../../src/modules/accounts/accounts.types.js';
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
  // A batch chunk whose item fails unexpectedly: test/customers/resolve-many.stores.test.ts, on both stores.
});
