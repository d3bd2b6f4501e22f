import assert from 'node:assert/strict';
import { newAccount } from '../../helpers/accounts.js';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../../src/db/connect.js';
import { findAccountRecord } from '../../../src/modules/accounts/accounts.service.js';
import { upsertItems } from '../../../src/modules/batches/batches.service.js';
import { AppError } from '../../../src/errors.js';
import { WriteAgain } from '../../../src/db/sql-runner.js';
import { openTestStore } from '../../helpers/store.js';

/** A failure as the server reports a unique violation that a concurrent writer caused. */
const uniqueViolation = () =>
  Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });

describe('PostgreSQL write transactions: conflicts end as the serial order would (never a 500), and a chunk isolates a failing item', () => {
  let store: Store;
  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  test('a transient conflict runs the whole transaction again, and nothing of the failed attempt stays', async () => {
    let attempts = 0;
    const result = await store.write(async ({ db }) => {
      attempts++;
      await db
        .insertInto('retired_referral_codes')
        .values({ account_id: 'conflicts', code: `ATTEMPT${attempts}`, retired_at: new Date().toISOString() })
        .execute();
      if (attempts < 3) throw uniqueViolation();
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(attempts, 3);
    const codes = await store.db
      .selectFrom('retired_referral_codes')
      .select('code')
      .where('account_id', '=', 'conflicts')
      .execute();
    assert.deepEqual(
      codes.map((c) => c.code),
      ['ATTEMPT3'],
    );
  });

  test('conflicts that never stop answer 409 (code 4009, retry), not an unexpected error', async () => {
    let attempts = 0;
    await assert.rejects(
      store.write(async () => {
        attempts++;
        throw uniqueViolation();
      }),
      (error: unknown) =>
        error instanceof AppError && error.status === 409 && error.code === 4009 && /Retry/.test(error.message),
    );
    assert.equal(attempts, 5);
  });

  test('a batch chunk: an item that fails unexpectedly fails alone (the chunk is redone item by item), with code 5000', async () => {
    const account = (await findAccountRecord(store, (await newAccount(store, {}, 'chunk-fault')).id))!;
    // A fault injected into the database itself: inserting customerId g-2 raises.
    await sql`create function fail_g2() returns trigger language plpgsql as $$ begin if new.customer_id = 'g-2' then raise exception 'injected fault'; end if; return new; end $$`.execute(
      store.db,
    );
    await sql`create trigger fail_g2 before insert on customer_ids for each row execute function fail_g2()`.execute(
      store.db,
    );
    try {
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
    } finally {
      await sql`drop trigger fail_g2 on customer_ids`.execute(store.db);
      await sql`drop function fail_g2()`.execute(store.db);
    }
  });

  const retiredCodes = async (accountId: string) =>
    (
      await store.db.selectFrom('retired_referral_codes').select('code').where('account_id', '=', accountId).execute()
    ).map((row) => row.code);
  const retire = `insert into retired_referral_codes (account_id, code, retired_at) values (?, ?, ?)`;

  test('the last statement goes with COMMIT: all the transaction wrote stays, and no statement may follow it', async () => {
    const now = new Date().toISOString();
    await store.write(async (tx) => {
      await tx.sql.run(retire, ['last-ok', 'FIRST', now]);
      await tx.last!.run(retire, ['last-ok', 'LAST', now]);
      await assert.rejects(tx.sql.run(retire, ['last-ok', 'AFTER', now]), /after the transaction ended/);
    });
    assert.deepEqual((await retiredCodes('last-ok')).sort(), ['FIRST', 'LAST']);
  });

  test('a last statement that fails leaves nothing of its transaction (the COMMIT sent with it rolls back)', async () => {
    const now = new Date().toISOString();
    await assert.rejects(
      store.write(async (tx) => {
        await tx.sql.run(retire, ['last-failed', 'FIRST', now]);
        await tx.last!.run(retire, ['last-failed', 'LAST', 'not a time']);
      }),
      (error: unknown) => (error as { code?: string }).code === '22007',
    );
    assert.deepEqual(await retiredCodes('last-failed'), []);
  });

  test('WriteAgain after a last statement that wrote nothing runs the whole write again', async () => {
    let attempts = 0;
    const now = new Date().toISOString();
    await store.write(async (tx) => tx.sql.run(retire, ['again', 'TAKEN', now]));
    await store.write(async (tx) => {
      attempts++;
      // As insertNewProfile does when its last statement inserted nothing (its referral code was taken).
      const code = attempts === 1 ? 'TAKEN' : 'FREE';
      const inserted = await tx.last!.run(`${retire} on conflict do nothing`, ['again', code, now]);
      if (inserted === 0) throw new WriteAgain('the code is taken');
    });
    assert.equal(attempts, 2);
    assert.deepEqual((await retiredCodes('again')).sort(), ['FREE', 'TAKEN']);
  });

  test('any other failure is not retried', async () => {
    let attempts = 0;
    await assert.rejects(
      store.write(async () => {
        attempts++;
        throw new Error('not a conflict');
      }),
      /not a conflict/,
    );
    assert.equal(attempts, 1);
  });
});
