import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import { getHistory } from '../../src/modules/customers/customer-history.service.js';
import { readJson } from '../../src/db/database.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';

const database = await sharedTestDatabase();
const dir = mkdtempSync(join(tmpdir(), 'patron-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { DATABASE_URL: database.url };
const account = await database.newAccount({ mergeBy: 'email' }, 'imports');

function profiles() {
  return database.store.db
    .selectFrom('profiles')
    .selectAll()
    .where('account_id', '=', account.id)
    .orderBy('gameball_id')
    .execute();
}

describe(`patron import (${TEST_STORE})`, () => {
  test('a CSV: mapped columns, a summary, and a file of rejected rows with reasons', async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(
      file,
      [
        'customerId,email,displayName,totalOrders,guest,custom.tier,paymentMethods,attr.favouriteColor,utms',
        'c1,one@x.io,One,3,false,gold,visa;cash,red,"[{""utm_source"":""ads""}]"',
        'c2,two@x.io,Two,many,,silver,,,',
        'c3,three@x.io,Three,1,maybe,,,,',
        ',four@x.io,Four,0,,,,,',
        'c1-pos,ONE@x.io,,,,,,,',
        'c5,five@x.io,"Five, Jr.",2,true,,,,',
        'c5,one@x.io,,,,,,,',
      ].join('\n'),
    );
    const res = await runCli(['import', file, '--account', account.id], env);
    assert.equal(res.code, 3, 'some rows were rejected');
    assert.match(res.stdout, /Imported 3 of 7 rows/);
    const rejected = readFileSync(`${file}.rejected.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      rejected.map((r) => [r.row, r.code]),
      [
        [2, 3003],
        [3, null],
        [4, 3000],
        [7, 3008],
      ],
    );
    // The operator reads the file: a 3008 names the profile that holds the email, as the secretKey's answers do.
    const holder = (await profiles())[0]!.gameball_id;
    assert.match(rejected[3].reason, new RegExp(`\\b${holder}\\b`), rejected[3].reason);
    assert.match(rejected[0].reason, /customerAttributes\.totalOrders/);
    assert.match(rejected[1].reason, /guest/);
    assert.equal(rejected[0].input.customerId, 'c2');

    const rows = await profiles();
    assert.equal(rows.length, 2, 'c1-pos merged into c1 by email');
    const one = readJson<Record<string, unknown>>(rows[0]!.attributes, {});
    assert.deepEqual(
      { ...one },
      {
        displayName: 'One',
        totalOrders: 3,
        paymentMethods: ['visa', 'cash'],
        favouriteColor: 'red',
        utms: [{ utm_source: 'ads' }],
      },
    );
    assert.deepEqual(readJson(rows[0]!.custom, {}), { tier: 'gold' });
    assert.equal(Boolean(rows[1]!.guest), true);
  });

  test('a JSON-lines file of full requests', async () => {
    const file = join(dir, 'customers.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ customerId: 'j1', email: 'j1@x.io', customerAttributes: { custom: { a: 1 } } }),
        'not json',
        JSON.stringify({ customerId: 'j2', email: 'j2@x.io' }),
        '',
        JSON.stringify([1, 2]),
        // What the API refuses, an import refuses too (it never reaches the store as a 5xx).
        '{"customerId":"j3","email":"j3@x.io","customerAttributes":{"displayName":"a\\u0000b"}}',
        '{"customerId":"j4","email":"j4@x.io","customerAttributes":{"totalOrders":1e309}}',
      ].join('\n'),
    );
    const rejectedFile = join(dir, 'bad-rows.jsonl');
    const res = await runCli(['import', file, '--account', account.id, '--rejected', rejectedFile], env);
    assert.equal(res.code, 3);
    assert.match(res.stdout, /Imported 2 of 6 rows/);
    const rejected = readFileSync(rejectedFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      rejected.map((r) => r.row),
      [2, 5, 6, 7],
    );
    assert.match(JSON.stringify(rejected[2]), /customerAttributes\.displayName/);
    assert.match(JSON.stringify(rejected[3]), /customerAttributes\.totalOrders/);
    const record = (await findAccountRecord(database.store, account.id))!;
    const history = await getHistory(database.store, record, 'j2', {});
    assert.deepEqual(
      history.history.map((e) => [e.operation, e.requestId]),
      [['import row', 'import customers.jsonl row 3']],
    );
  });

  test('all rows imported → exit 0; an unknown column stops before anything is written', async () => {
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'customerId,email\ng1,g1@x.io\ng2,g2@x.io\n');
    const ok = await runCli(['import', good, '--account', account.id], env);
    assert.equal(ok.code, 0, ok.stderr);
    const before = (await profiles()).length;
    const typo = join(dir, 'typo.csv');
    writeFileSync(typo, 'customerId,emial\nt1,t1@x.io\n');
    const res = await runCli(['import', typo, '--account', account.id], env);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Unknown column\(s\) emial/);
    assert.equal((await profiles()).length, before);
  });
});
