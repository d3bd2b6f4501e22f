import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { connect } from '../../src/db/connect.js';
import { MIGRATION_NAMES } from '../../src/db/migrator.js';
import { freshDatabaseUrl, TEST_STORE } from '../helpers/store.js';

describe(`patron migrate (${TEST_STORE})`, () => {
  test('four nodes migrating one empty database at once: all succeed, each migration runs once', async () => {
    const database = await freshDatabaseUrl();
    after(() => database.cleanup());
    const env = { DATABASE_URL: database.url };
    // Four processes: what is tested is separate nodes racing on one database.
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCliProcess(['migrate'], env)));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.equal(runs.filter((r) => /Applied:/.test(r.stdout)).length, 1, runs.map((r) => r.stdout).join('\n'));

    const store = connect(database.url);
    try {
      const applied = await store.db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      assert.deepEqual(applied.map((r) => (r as { name: string }).name).sort(), [...MIGRATION_NAMES].sort());
      const again = await runCli(['migrate'], env);
      assert.match(again.stdout, /up to date/);
    } finally {
      await store.close();
    }
  });
});
