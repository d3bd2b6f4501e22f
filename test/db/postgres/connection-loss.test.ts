import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openTestStore } from '../../helpers/store.js';
import { waitUntil } from '../../helpers/wait.js';

// A PostgreSQL restart or failover ends every session ("terminating connection due to
// administrator command"). A pool client that is checked out but between two statements then
// emits 'error' with no listener of pg-pool's, and an unhandled 'error' event ends the process:
// this is how a node died in the fault suite when PostgreSQL was stopped under it.
const store = await openTestStore();

describe('a PostgreSQL session ended under a checked-out connection', () => {
  test('does not crash the process; that connection fails, the next one works', async () => {
    const admin = new pg.Client({ connectionString: store.url });
    await admin.connect();
    let opened = 0;
    try {
      await store.db.connection().execute(async (conn) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
        opened = store.poolStats!().total;
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        // The termination notice reaches the idle, checked-out client asynchronously: wait until
        // the server has ended the session.
        await waitUntil(
          async () =>
            (await admin.query('select 1 from pg_stat_activity where pid = $1', [rows[0]!.pid])).rowCount === 0,
          {
            what: 'the session is gone from pg_stat_activity',
          },
        );
        await assert.rejects(sql`select 1`.execute(conn), 'the dead session cannot run a statement');
      });
      // Once its socket has closed, the pool drops the dead client instead of lending it again.
      await waitUntil(() => store.poolStats!().total < opened, { what: 'the pool dropped the dead connection' });
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      assert.equal(rows[0]!.one, 1, 'the pool reconnects');
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
