import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { loadMasterKey, masterKeyFilePath } from '../../src/keys/load-master-key.js';
import { newMasterKeyText, parseMasterKey } from '../../src/keys/master-key.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-master-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the master key', () => {
  test('reads 32 bytes as hex, base64 or base64url; anything else is refused', () => {
    const hex = 'ab'.repeat(32);
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    const base64url = Buffer.from(hex, 'hex').toString('base64url');
    const ids = [hex, base64, base64url, ` ${hex}\n`].map((text) => parseMasterKey(text)?.id);
    assert.ok(ids[0]);
    assert.deepEqual(new Set(ids).size, 1, 'one key, however it is written');
    for (const wrong of [
      '',
      'ab'.repeat(31),
      'ab'.repeat(33),
      Buffer.alloc(31).toString('base64'),
      'not a key at all, no',
    ]) {
      assert.equal(parseMasterKey(wrong), undefined, wrong);
    }
    assert.ok(parseMasterKey(newMasterKeyText()));
  });

  test('seals and opens; another key, another account or an altered value does not open', () => {
    const key = parseMasterKey(newMasterKeyText())!;
    const other = parseMasterKey(newMasterKeyText())!;
    const sealed = key.seal('sk_the-secret', 'acc_1');
    assert.equal(sealed.includes('the-secret'), false);
    assert.notEqual(key.seal('sk_the-secret', 'acc_1'), sealed, 'a fresh nonce every time');
    assert.deepEqual(key.open(sealed, 'acc_1'), { plain: 'sk_the-secret' });
    assert.deepEqual(other.open(sealed, 'acc_1'), { problem: 'other-key' });
    assert.deepEqual(key.open(sealed, 'acc_2'), { problem: 'damaged' });
    const parts = sealed.split(':');
    parts[4] = Buffer.from('sk_the-secreT').toString('base64url');
    assert.deepEqual(key.open(parts.join(':'), 'acc_1'), { problem: 'damaged' });
    assert.deepEqual(key.open('garbage', 'acc_1'), { problem: 'damaged' });
  });

  test('PATRON_MASTER_KEY wins; a malformed one stops the start with its name', () => {
    const text = newMasterKeyText();
    const loaded = loadMasterKey({ databaseUrl: `sqlite:${join(dir, 'env.sqlite')}`, masterKey: text });
    assert.equal(loaded.key?.id, parseMasterKey(text)!.id);
    assert.equal(loaded.source, 'PATRON_MASTER_KEY');
    assert.throws(
      () => loadMasterKey({ databaseUrl: 'postgres://u@h/db', masterKey: 'short' }),
      (e: unknown) => e instanceof ConfigError && /PATRON_MASTER_KEY must be 32 random bytes/.test(e.message),
    );
  });

  test('the embedded store creates a key file beside the database on first start (mode 0600) and reuses it', () => {
    const database = join(dir, 'nested', 'patron.sqlite');
    const first = loadMasterKey({ databaseUrl: `sqlite:${database}`, masterKey: undefined });
    const file = masterKeyFilePath(database);
    assert.equal(first.source, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(parseMasterKey(readFileSync(file, 'utf8')));
    assert.equal(loadMasterKey({ databaseUrl: `sqlite:${database}`, masterKey: undefined }).key?.id, first.key?.id);
  });

  test('PostgreSQL without PATRON_MASTER_KEY has none (every node must be given the same key)', () => {
    const loaded = loadMasterKey({ databaseUrl: 'postgres://u@h/db', masterKey: undefined });
    assert.equal(loaded.key, undefined);
    assert.match(loaded.source, /set PATRON_MASTER_KEY/);
  });
});
