import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { runCli, startNode } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { http } from '../helpers/server.js';
import { freshDatabaseUrl, TEST_STORE } from '../helpers/store.js';
import { masterKeyFilePath } from '../../src/keys/load-master-key.js';

const V41 = '/api/v4.1/integrations/customers';
const V40 = '/api/v4.0/integrations/customers';

async function cli(args: string[], env: Record<string, string>) {
  const res = await runCli(args, env);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.trim();
}

describe(`patron tokens create, minimum API version and the master key, (${TEST_STORE})`, () => {
  test('a token from `patron tokens create` works against a running `patron serve`; --minimum-api-version 4.1 closes v4.0', async () => {
    const database = await freshDatabaseUrl();
    after(() => database.cleanup());
    const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const node = await startNode(env);
    const account = JSON.parse(await cli(['accounts', 'create', '--name', 'App', '--json'], env)) as {
      id: string;
      apiKey: string;
      secretKey: string;
      sessionTokens: string;
      minimumApiVersion: string;
    };
    assert.deepEqual([account.sessionTokens, account.minimumApiVersion], ['ready', '4.0']);

    const token = await cli(
      ['tokens', 'create', '--account', account.id, '--customer-id', 'app-user', '--ttl', '15m', '--email', 'u@app.io'],
      env,
    );
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/, 'one compact JWE on stdout, nothing else');
    const created = await http(
      node.baseUrl,
      'POST',
      V41,
      { apikey: account.apiKey, 'x-gb-token': token },
      { customerId: 'app-user', email: 'u@app.io' },
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const read = await http(node.baseUrl, 'GET', `${V41}/app-user`, { apikey: account.apiKey, 'x-gb-token': token });
    assert.deepEqual([read.status, read.body.gameballId], [200, created.body.gameballId]);

    const json = JSON.parse(
      await cli(['tokens', 'create', '--account', account.id, '--customer-id', 'app-user', '--json'], env),
    ) as { expiresAt: string; customerId: string };
    const hours = (Date.parse(json.expiresAt) - Date.now()) / 3_600_000;
    assert.ok(hours > 1.9 && hours <= 2, `default ttl is 2 h, got ${hours}`);
    const badTtl = await runCli(['tokens', 'create', '--account', account.id, '--customer-id', 'x', '--ttl', '0'], env);
    assert.equal(badTtl.code, 2);
    assert.match(badTtl.stderr, /'ttl'/);

    await cli(['accounts', 'update', account.id, '--minimum-api-version', '4.1'], env);
    assert.match(await cli(['accounts', 'show', account.id], env), /^minimumApiVersion: 4\.1$/m);
    // Another process's setting reaches the node within its 1 s account cache.
    await waitUntil(
      async () => (await http(node.baseUrl, 'GET', `${V40}/app-user`, { apikey: account.apiKey })).status === 403,
      {
        what: 'the node refuses v4.0 calls',
        timeout: 5_000,
        step: 50,
      },
    );
    const refused = await http(node.baseUrl, 'GET', `${V40}/app-user`, { apikey: account.apiKey });
    assert.equal(refused.body.code, 1002);
    assert.equal(
      (await http(node.baseUrl, 'GET', `${V41}/app-user`, { apikey: account.apiKey, 'x-gb-token': token })).status,
      200,
    );
    await node.stop();
  });

  if (TEST_STORE === 'sqlite') {
    test('with no PATRON_MASTER_KEY the embedded store makes a key file beside the database (0600) that the CLI and serve share', async () => {
      const database = await freshDatabaseUrl();
      after(() => database.cleanup());
      const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn', PATRON_MASTER_KEY: '' };
      const account = JSON.parse(await cli(['accounts', 'create', '--name', 'Laptop', '--json'], env)) as {
        id: string;
        apiKey: string;
        sessionTokens: string;
      };
      assert.equal(account.sessionTokens, 'ready');
      const file = masterKeyFilePath(database.url.slice('sqlite:'.length));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const keyText = readFileSync(file, 'utf8');
      const node = await startNode(env);
      const token = await cli(['tokens', 'create', '--account', account.id, '--customer-id', 'laptop-user'], env);
      const created = await http(
        node.baseUrl,
        'POST',
        V41,
        { apikey: account.apiKey, 'x-gb-token': token },
        { customerId: 'laptop-user' },
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(readFileSync(file, 'utf8'), keyText, 'the key file is made once');
      await node.stop();
    });
  } else {
    test('PostgreSQL with no PATRON_MASTER_KEY: accounts say tokens are unavailable and why; tokens create refuses; both keys work', async () => {
      const database = await freshDatabaseUrl();
      const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn', PATRON_MASTER_KEY: '' };
      const account = JSON.parse(await cli(['accounts', 'create', '--name', 'NoKey', '--json'], env)) as {
        id: string;
        apiKey: string;
        secretKey: string;
        sessionTokens: string;
      };
      assert.match(account.sessionTokens, /^unavailable: this Patron has no master key \(set PATRON_MASTER_KEY/);
      const refused = await runCli(['tokens', 'create', '--account', account.id, '--customer-id', 'x'], env);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /no master key/);
      const node = await startNode(env);
      const created = await http(
        node.baseUrl,
        'POST',
        V41,
        { apikey: account.apiKey, secretkey: account.secretKey },
        { customerId: 'pg-nokey' },
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      await node.stop();
    });
  }
});
