import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  test('defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, 'sqlite:./data/patron.sqlite');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.batchLeaseMs, 10_000);
    assert.equal(config.historyRetentionDays, 400);
    assert.equal(config.masterKey, undefined);
    assert.equal(loadConfig({ PATRON_HISTORY_RETENTION_DAYS: '0' }).historyRetentionDays, 0, '0 turns history off');
  });

  test('environment, then flags over it', () => {
    const config = loadConfig(
      { PORT: '9000', DATABASE_URL: 'postgres://u@h/db', LOG_LEVEL: 'debug' },
      { PORT: '9100' },
    );
    assert.equal(config.port, 9100);
    assert.equal(config.databaseUrl, 'postgres://u@h/db');
    assert.equal(config.logLevel, 'debug');
  });

  test('malformed and unknown settings are refused by name', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'x' }, /PORT/],
      [{ PORT: '70000' }, /PORT/],
      [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
      [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL/],
      [{ PATRON_POOL: '1' }, /PATRON_POOL/],
      [{ PATRON_DB_POOL_SIZE: '0' }, /PATRON_DB_POOL_SIZE/],
      [{ PATRON_BATCH_LEASE_MS: '999' }, /PATRON_BATCH_LEASE_MS/],
      [{ PATRON_HISTORY_RETENTION_DAYS: '-1' }, /PATRON_HISTORY_RETENTION_DAYS/],
      [{ PATRON_HISTORY_RETENTION_DAYS: '36501' }, /PATRON_HISTORY_RETENTION_DAYS/],
    ];
    for (const [env, message] of cases)
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
  });
});
