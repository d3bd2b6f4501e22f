import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { after } from 'node:test';
import { runCli, runCliProcess, startServe } from '../helpers/cli.js';
import { http } from '../helpers/server.js';
import { client } from '../helpers/client.js';
import { freshDatabaseUrl } from '../helpers/store.js';

const database = await freshDatabaseUrl();
after(() => database.cleanup());
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'info' };

describe('patron serve and the CLI, as a user runs them', () => {
  test('first start on an empty store creates account "default" and prints its keys once', async () => {
    const first = await startServe(env);
    const apiKey = /^apiKey: (\S+)$/m.exec(first.output())?.[1];
    const secretKey = /^secretKey: (\S+)$/m.exec(first.output())?.[1];
    assert.ok(apiKey && secretKey, first.output());

    const api = client(first.baseUrl, { apiKey, secretKey });
    const created = await api.upsert({ customerId: 'e2e-1', email: 'e2e@x.io', customerAttributes: { city: 'Cairo' } });
    assert.equal(created.statusCode, 200);
    const updated = await api.upsert({ customerId: 'e2e-1', customerAttributes: { totalOrders: 2 } });
    assert.equal(updated.json().gameballId, created.json().gameballId);
    const read = await api.get('e2e-1');
    assert.equal((read.json().customerAttributes as Record<string, unknown>).city, 'Cairo');
    assert.equal((read.json().customerAttributes as Record<string, unknown>).totalOrders, 2);
    assert.equal((await http(first.baseUrl, 'GET', '/ready', {})).status, 200);
    assert.equal(await first.stop(), 0, 'SIGTERM closes gracefully');

    // A second start finds the account and prints no keys; the data is still there.
    const second = await startServe(env);
    assert.doesNotMatch(second.output(), /apiKey:|secretKey:/);
    const again = client(second.baseUrl, { apiKey, secretKey });
    assert.equal((await again.get('e2e-1')).statusCode, 200);
    const details = await again.details('e2e-1');
    assert.equal(details.json().email, 'e2e@x.io');
    await second.stop();
  });

  test('the binary exits non-zero with the reason on stderr: a bad setting (2), a bad flag (1)', async () => {
    const [badPort, badMerge] = await Promise.all([
      runCliProcess(['serve'], { ...env, PORT: 'eighty' }),
      runCliProcess(['accounts', 'create', '--name', 'x', '--merge-by', 'phone'], env),
    ]);
    assert.deepEqual([badPort.code, badPort.stdout], [2, '']);
    assert.match(badPort.stderr, /^patron: PORT must be a whole number, got "eighty"$/m);
    assert.equal(badMerge.code, 1);
    assert.match(badMerge.stderr, /--merge-by.*phone/);
  });

  test('logs: one line per request with requestId, status and duration; no keys or PII', async () => {
    const created = JSON.parse(
      (await runCli(['accounts', 'create', '--name', 'Logs', '--merge-by', 'email', '--json'], env)).stdout,
    );
    const server = await startServe(env);
    const api = client(server.baseUrl, { apiKey: created.apiKey, secretKey: created.secretKey });
    const answers = [
      await api.upsert({
        customerId: 'log-1',
        email: 'private.person@mail.io',
        mobile: '+201009998877',
        customerAttributes: { displayName: 'Private Person', firstName: 'Privata' },
      }),
      await api.details('log-1'),
      await api.upsert({ customerId: 'log-1', email: 'broken' }),
    ];
    await server.stop();
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 3);
    for (const line of requests) {
      assert.equal(typeof line.requestId, 'string');
      assert.equal(typeof line.status, 'number');
      assert.equal(typeof line.durationMs, 'number');
    }
    assert.deepEqual(
      requests.map((l) => l.status),
      [200, 200, 422],
    );
    assert.deepEqual(
      requests.map((l) => l.requestId),
      answers.map((a) => a.headers['x-request-id']),
      'the logged requestId is the one sent back',
    );
    const text = server.output();
    for (const secret of [
      created.apiKey,
      created.secretKey,
      'private.person',
      '1009998877',
      'Private Person',
      'Privata',
      'broken',
    ]) {
      assert.equal(text.includes(secret), false, `log leaks ${secret}`);
    }
  });
});
