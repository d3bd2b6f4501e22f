import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { freshDatabaseUrl } from '../helpers/store.js';
import { connect } from '../../src/db/connect.js';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { upsertCustomers } from '../../src/modules/customers/upsert.engine.js';

// `patron duplicates scan` and the account's duplicate settings, in-process.
const database = await freshDatabaseUrl();
after(() => database.cleanup());
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };

describe('patron duplicates and the duplicate settings', () => {
  test('accounts create --no-duplicates, update --duplicate-threshold; a bad threshold is refused naming the field', async () => {
    const created = await runCli(['accounts', 'create', '--name', 'Dup', '--no-duplicates', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const account = JSON.parse(created.stdout);
    assert.deepEqual([account.duplicateDetection, account.duplicateThreshold], [false, 0.8]);
    const updated = await runCli(
      ['accounts', 'update', account.id, '--duplicates', '--duplicate-threshold', '0.9', '--json'],
      env,
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual(
      [JSON.parse(updated.stdout).duplicateDetection, JSON.parse(updated.stdout).duplicateThreshold],
      [true, 0.9],
    );
    const shown = await runCli(['accounts', 'show', account.id], env);
    assert.match(shown.stdout, /^duplicates: on, threshold 0\.9$/m);
    for (const bad of ['1.5', 'high', '0']) {
      const refused = await runCli(['accounts', 'update', account.id, '--duplicate-threshold', bad], env);
      assert.notEqual(refused.code, 0, bad);
      assert.match(refused.stderr, /duplicateThreshold/, refused.stderr);
    }
  });

  test('duplicates scan scores the existing profiles with a progress bar, and says how fast', async () => {
    const created = JSON.parse(
      (await runCli(['accounts', 'create', '--name', 'Scan', '--no-duplicates', '--json'], env)).stdout,
    );
    const store = connect(database.url, { poolSize: 1 });
    try {
      const account = (await findAccountRecord(store, created.id))!;
      const ann = { firstName: 'Hana', lastName: 'Ghali', dateOfBirth: '1992-05-06' };
      await upsertCustomers(store, account, [
        { customerId: 'one', email: 'hana.g@shop.io', customerAttributes: ann },
        { customerId: 'two', email: 'hanag@shop.io', customerAttributes: ann },
        { customerId: 'three', email: 'someone@else.io', customerAttributes: { firstName: 'Omar', lastName: 'Zaki' } },
      ] as never);
    } finally {
      await store.close();
    }
    await runCli(['accounts', 'update', created.id, '--duplicates'], env);
    const scan = await runCli(['duplicates', 'scan', '--account', created.id, '--json'], env);
    assert.equal(scan.code, 0, scan.stderr);
    const result = JSON.parse(scan.stdout);
    assert.deepEqual([result.scored, result.total], [3, 3]);
    assert.ok(result.perSecond > 0);
    assert.match(scan.stderr, /scoring \[.*\] 100% \| 3\/3 profiles/);
    const missing = await runCli(['duplicates', 'scan', '--account', 'acc_nope'], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No account with id "acc_nope"/);
  });
});
