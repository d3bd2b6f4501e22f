import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../../src/db/connect.js';
import { AppError } from '../../../src/errors.js';
import { WriteAgain } from '../../../src/db/sql-runner.js';
import { openTestStore } from '../../helpers/store.js';

/** A failure as the server reports a unique violation that a concurrent writer caused. */
const uniqueViolation = () =>
  Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });

describe('PostgreSQL write transactions: conflicts end as the serial order would (never a 500)', () => {
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
