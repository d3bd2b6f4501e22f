import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { masterKeyFromBytes, newMasterKeyText, parseMasterKey, type MasterKey } from './master-key.js';
import { randomBytes } from 'node:crypto';
import { parseDatabaseUrl } from '../db/database-url.js';

export interface LoadedMasterKey {
  key: MasterKey | undefined;
  /** Where it came from, for the start-up line: never the key itself. */
  source: string;
}

/** The embedded store's key file: beside the database, named after it. */
export function masterKeyFilePath(sqlitePath: string): string {
  return `${resolve(sqlitePath)}.master-key`;
}

function readKeyFile(path: string): MasterKey {
  const key = parseMasterKey(readFileSync(path, 'utf8'));
  if (!key)
    throw new ConfigError(
      `The master key file ${path} does not hold a master key (32 bytes as base64 or 64 hex characters).`,
    );
  return key;
}

/**
 * PATRON_MASTER_KEY when set. Otherwise, on the embedded store, a key file created beside the
 * database on first start (mode 0600), so `npm start` gets session tokens with no set-up; an
 * in-memory database gets a key that lives as long as it. PostgreSQL without PATRON_MASTER_KEY
 * has none: every node must hold the same key, and only the operator can hand it out.
 */
export function loadMasterKey(config: Pick<Config, 'databaseUrl' | 'masterKey'>): LoadedMasterKey {
  if (config.masterKey !== undefined) {
    const key = parseMasterKey(config.masterKey);
    if (!key)
      throw new ConfigError(
        'PATRON_MASTER_KEY must be 32 random bytes written as base64 or 64 hex characters (e.g. `openssl rand -base64 32`).',
      );
    return { key, source: 'PATRON_MASTER_KEY' };
  }
  const target = parseDatabaseUrl(config.databaseUrl);
  if (target?.kind !== 'sqlite') return { key: undefined, source: 'none (set PATRON_MASTER_KEY)' };
  const { path } = target;
  if (path === '' || path === ':memory:')
    return { key: masterKeyFromBytes(randomBytes(32)), source: 'in memory, with the database' };
  const file = masterKeyFilePath(path);
  try {
    statSync(file);
  } catch {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${newMasterKeyText()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process (a CLI command beside `serve`) created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return { key: readKeyFile(file), source: file };
}
