import assert from 'node:assert/strict';
import { newAccount } from '../../helpers/accounts.js';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { buildApp } from '../../../src/app.js';
import { CUSTOMERS } from '../../helpers/app.js';
import { openTestStore } from '../../helpers/store.js';

// docs/operations.md "Retries and idempotency": an answer the server could not give (5xx) is not kept — the key
// is released, so the client's retry with the same key runs. Provoked for real: another session
// holds the customer's row, and the node's statement timeout gives up on it (503/5003).
const store = await openTestStore({ statementTimeoutMs: 400 });
const app = await buildApp({ store, logLevel: 'silent' });
after(async () => {
  await app.close();
  await store.close();
});

describe('Idempotency-Key after a 5xx (postgres)', () => {
  test('a keyed write answered 503 releases its key: the retry with the same key runs and is not a replay', async () => {
    const { account, ...keys } = await newAccount(store, {}, 'held');
    const headers = { apikey: keys.apiKey, secretkey: keys.secretKey, 'idempotency-key': 'order-7' };
    const send = (city: string) =>
      app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers,
        payload: { customerId: 'c-7', customerAttributes: { city } },
      });
    assert.equal(
      (
        await app.inject({
          method: 'POST',
          url: CUSTOMERS,
          headers: { apikey: keys.apiKey },
          payload: { customerId: 'c-7' },
        })
      ).statusCode,
      200,
    );

    const holder = new pg.Client({ connectionString: store.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from profiles where account_id = $1 for update', [account.id]);
      const failed = await send('Giza');
      assert.equal(failed.statusCode, 503, failed.body);
      assert.equal(failed.json().code, 5003);
      await holder.query('rollback');
    } finally {
      await holder.end();
    }

    const retried = await send('Giza');
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal(retried.headers['idempotent-replayed'], undefined, 'it ran: the 503 was not kept');
    const row = await store.db
      .selectFrom('profiles')
      .select('attributes')
      .where('account_id', '=', account.id)
      .executeTakeFirstOrThrow();
    const attributes = typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes;
    assert.equal(attributes.city, 'Giza');
    const replay = await send('Giza');
    assert.deepEqual(
      [replay.statusCode, replay.headers['idempotent-replayed']],
      [200, 'true'],
      'the 200 is kept from then on',
    );
  });
});
