import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, startNode } from '../helpers/cli.js';
import { http } from '../helpers/server.js';
import { freshDatabaseUrl } from '../helpers/store.js';

// The `patron accounts` commands and the settings every command reads, run in-process: the same
// program, output and exit codes as the binary (test/e2e/ runs the binary itself).
const database = await freshDatabaseUrl();
after(() => database.cleanup());
const env = { DATABASE_URL: database.url, LOG_LEVEL: 'info' };

describe('patron accounts and settings', () => {
  test('accounts create --json prints one JSON object with the keys and settings', async () => {
    const res = await runCli(
      [
        'accounts',
        'create',
        '--name',
        'Shop',
        '--merge-by',
        'mobile',
        '--default-country',
        'eg',
        '--referral-link-base',
        'https://s.io/r',
        '--referral-completion',
        'signup',
        '--high-security',
        '--json',
      ],
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
    assert.match(account.secretKey, /^sk_[A-Za-z0-9_-]{29}$/, 'a secret key is exactly 32 ASCII characters (README)');
    assert.match(account.id, /^acc_/);

    // One after the other: in one process, two embedded-store connections must not wait on each other's write.
    const list = await runCli(['accounts', 'list'], env);
    const show = await runCli(['accounts', 'show', account.id, '--json'], env);
    const update = await runCli(
      ['accounts', 'update', account.id, '--merge-by', 'email', '--no-high-security', '--json'],
      env,
    );
    const rotated = await runCli(['accounts', 'rotate-keys', account.id, '--json'], env);
    const server = await startNode(env);
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
    const badPort = await runCli(['serve'], { ...env, PORT: 'eighty' });
    const unknown = await runCli(['serve'], { ...env, PATRON_DB_POOLSIZE: '3' });
    const badUrl = await runCli(['serve'], { ...env, DATABASE_URL: 'mysql://x' });
    const badLevel = await runCli(['accounts', 'list'], { ...env, LOG_LEVEL: 'loud' });
    const badCountry = await runCli(['accounts', 'create', '--name', 'x', '--default-country', 'XX'], env);
    const badMerge = await runCli(['accounts', 'create', '--name', 'x', '--merge-by', 'phone'], env);
    const createHelp = await runCli(['accounts', 'create', '--help'], env);
    const list = await runCli(['accounts', 'list'], env);
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
});
