import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { after } from 'node:test';
import { runCli, startServe } from '../helpers/cli.js';
import { http, httpClient } from '../helpers/server.js';
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

    const api = httpClient(first.baseUrl, { apiKey, secretKey, account: {} as never });
    const created = await api.upsert({ customerId: 'e2e-1', email: 'e2e@x.io', customerAttributes: { city: 'Cairo' } });
    assert.equal(created.status, 200);
    const updated = await api.upsert({ customerId: 'e2e-1', customerAttributes: { totalOrders: 2 } });
    assert.equal(updated.body.gameballId, created.body.gameballId);
    const read = await api.get('e2e-1');
    assert.equal((read.body.customerAttributes as Record<string, unknown>).city, 'Cairo');
    assert.equal((read.body.customerAttributes as Record<string, unknown>).totalOrders, 2);
    assert.equal((await http(first.baseUrl, 'GET', '/ready', {})).status, 200);
    assert.equal(await first.stop(), 0, 'SIGTERM closes gracefully');

    // A second start finds the account and prints no keys; the data is still there.
    const second = await startServe(env);
    assert.doesNotMatch(second.output(), /apiKey:|secretKey:/);
    const again = httpClient(second.baseUrl, { apiKey, secretKey, account: {} as never });
    assert.equal((await again.get('e2e-1')).status, 200);
    const details = await again.details('e2e-1');
    assert.equal(details.body.email, 'e2e@x.io');
    await second.stop();
  });

  test('accounts create --json prints one JSON object with the keys and settings', async () => {
    const res = await runCli(
      ['accounts', 'create', '--name', 'Shop', '--merge-by', 'mobile', '--default-country', 'eg', '--referral-link-base', 'https://s.io/r', '--referral-completion', 'signup', '--high-security', '--json'],
      env,
    );
    assert.equal(res.code, 0, res.stderr);
    const account = JSON.parse(res.stdout);
    assert.equal(account.name, 'Shop');
    assert.equal(account.mergeBy, 'mobile');
    assert.equal(account.defaultCountry, 'EG');
    assert.equal(account.referralLinkBase, 'https://s.io/r');
    assert.equal(account.referralCompletion, 'signup');
    assert.equal(account.highSecurity, true);
    assert.match(account.apiKey, /^pk_/);
    assert.match(account.secretKey, /^sk_[A-Za-z0-9_-]{29}$/, 'a secret key is exactly 32 ASCII characters (SPEC)');
    assert.match(account.id, /^acc_/);

    // Independent of each other once the account exists: started together (a process start each).
    const [list, show, update, rotated, server] = await Promise.all([
      runCli(['accounts', 'list'], env),
      runCli(['accounts', 'show', account.id, '--json'], env),
      runCli(['accounts', 'update', account.id, '--merge-by', 'email', '--no-high-security', '--json'], env),
      runCli(['accounts', 'rotate-keys', account.id, '--json'], env),
      startServe(env),
    ]);
    assert.match(list.stdout, new RegExp(account.id));
    assert.equal(JSON.parse(show.stdout).name, 'Shop');
    assert.doesNotMatch(show.stdout, /pk_|sk_/, 'show never prints keys');
    assert.equal(update.code, 0, update.stderr);
    assert.equal(JSON.parse(update.stdout).mergeBy, 'email');
    assert.equal(JSON.parse(update.stdout).highSecurity, false);
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = JSON.parse(rotated.stdout);
    assert.notEqual(fresh.apiKey, account.apiKey);

    const oldKey = await http(server.baseUrl, 'GET', '/api/v4.0/integrations/customers/x', { apikey: account.apiKey });
    assert.equal(oldKey.body.code, 1000);
    const newKey = await http(server.baseUrl, 'GET', '/api/v4.0/integrations/customers/x', { apikey: fresh.apiKey });
    assert.equal(newKey.body.code, 7000);
    await server.stop();
  });

  test('bad settings and flags stop with a clear message', async () => {
    // Independent processes: started together, so the test pays one process start, not six.
    const [badPort, unknown, badUrl, badLevel, badCountry, badMerge, createHelp, list] = await Promise.all([
      runCli(['serve'], { ...env, PORT: 'eighty' }),
      runCli(['serve'], { ...env, PATRON_DB_POOLSIZE: '3' }),
      runCli(['serve'], { ...env, DATABASE_URL: 'mysql://x' }),
      runCli(['accounts', 'list'], { ...env, LOG_LEVEL: 'loud' }),
      runCli(['accounts', 'create', '--name', 'x', '--default-country', 'XX'], env),
      runCli(['accounts', 'create', '--name', 'x', '--merge-by', 'phone'], env),
      runCli(['accounts', 'create', '--help'], env),
      runCli(['accounts', 'list'], env),
    ]);
    for (const option of ['--json', '--name', '--merge-by']) {
      assert.equal(createHelp.stdout.split(option + ' ').length - 1, 1, `help lists ${option} once`);
    }
    assert.ok(list.stdout.endsWith('\n'), 'accounts list ends its last line');
    assert.notEqual(badPort.code, 0);
    assert.match(badPort.stderr, /PORT/);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /PATRON_DB_POOLSIZE/);
    assert.match(badUrl.stderr, /DATABASE_URL/);
    assert.match(badLevel.stderr, /LOG_LEVEL/);
    assert.notEqual(badCountry.code, 0);
    assert.match(badCountry.stderr, /defaultCountry/);
    assert.notEqual(badMerge.code, 0);
    assert.match(badMerge.stderr, /merge-by/);
  });

  test('logs: one line per request with requestId, status and duration; no keys or PII', async () => {
    const created = JSON.parse((await runCli(['accounts', 'create', '--name', 'Logs', '--merge-by', 'email', '--json'], env)).stdout);
    const server = await startServe(env);
    const api = httpClient(server.baseUrl, { apiKey: created.apiKey, secretKey: created.secretKey, account: created });
    const answers = [
      await api.upsert({ customerId: 'log-1', email: 'private.person@mail.io', mobile: '+201009998877', customerAttributes: { displayName: 'Private Person', firstName: 'Privata' } }),
      await api.details('log-1'),
      await api.upsert({ customerId: 'log-1', email: 'broken' }),
    ];
    await server.stop();
    const lines = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 3);
    for (const line of requests) {
      assert.equal(typeof line.requestId, 'string');
      assert.equal(typeof line.status, 'number');
      assert.equal(typeof line.durationMs, 'number');
    }
    assert.deepEqual(requests.map((l) => l.status), [200, 200, 422]);
    assert.deepEqual(requests.map((l) => l.requestId), answers.map((a) => a.headers['x-request-id']), 'the logged requestId is the one sent back');
    const text = server.output();
    for (const secret of [created.apiKey, created.secretKey, 'private.person', '1009998877', 'Private Person', 'Privata', 'broken']) {
      assert.equal(text.includes(secret), false, `log leaks ${secret}`);
    }
  });
});
