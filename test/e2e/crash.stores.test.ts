import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitUntil } from '../helpers/wait.js';
import { startNode, startServe } from '../helpers/cli.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';

// A migrated database (what a node restarts on), not an empty one: migrating is not under test here.
const database = await sharedTestDatabase();
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };

describe(`kill -9 of patron serve (${TEST_STORE})`, () => {
  test('every write answered 200 before the kill is there after a restart', async () => {
    const { apiKey, secretKey } = await database.newAccount({}, 'crash');
    const first = await startServe(env);
    const acknowledged: string[] = [];
    let stop = false;
    // Eight writers keep going until the process dies under them.
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const customerId = `crash-${w}-${i}`;
        try {
          const res = await http(
            first.baseUrl,
            'POST',
            CUSTOMERS,
            { apikey: apiKey },
            { customerId, customerAttributes: { custom: { n: i } } },
          );
          if (res.status === 200) acknowledged.push(customerId);
        } catch {
          return; // the connection died with the process
        }
      }
    });
    await waitUntil(() => acknowledged.length >= 150, { what: '150 writes were acknowledged', step: 10 });
    await first.stop('SIGKILL');
    stop = true;
    await Promise.all(writers);

    const second = await startNode(env); // in-process: the process under test is the one killed
    const missing: string[] = [];
    for (const customerId of acknowledged) {
      const res = await http(second.baseUrl, 'GET', `${CUSTOMERS}/${customerId}/details`, {
        apikey: apiKey,
        secretkey: secretKey,
      });
      if (res.status !== 200) missing.push(customerId);
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged writes were lost`);
    await second.stop();
  });
});
