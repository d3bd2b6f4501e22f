import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/db/connect.js';
import { AppError } from '../../src/errors.js';
import { openTestStore } from '../helpers/store.js';

/** A failure as the server reports a unique violation that a concurrent writer caused. */
const uniqueViolation = () => Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });

describe('PostgreSQL write conflicts end as the serial order would, never as a 500', () => {
  let store: Store;
  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  test('a transient conflict runs the whole transaction again, and nothing of the failed attempt stays', async () => {
    let attempts = 0;
    const result = await store.write(async ({ db }) => {
      attempts++;
      await db.insertInto('retired_referral_codes').values({ account_id: 'conflicts', code: `ATTEMPT${attempts}`, retired_at: new Date().toISOString() }).execute();
      if (attempts < 3) throw uniqueViolation();
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(attempts, 3);
    const codes = await store.db.selectFrom('retired_referral_codes').select('code').where('account_id', '=', 'conflicts').execute();
    assert.deepEqual(codes.map((c) => c.code), ['ATTEMPT3']);
  });

  test('conflicts that never stop answer 409 (code 4009, retry), not an unexpected error', async () => {
    let attempts = 0;
    await assert.rejects(
      store.write(async () => {
        attempts++;
        throw uniqueViolation();
      }),
      (error: unknown) => error instanceof AppError && error.status === 409 && error.code === 4009 && /Retry/.test(error.message),
    );
    assert.equal(attempts, 5);
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
