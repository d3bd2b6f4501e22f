import type { Config } from '../config.js';
import { loadMasterKey } from '../keys/load-master-key.js';
import { connect, type Store } from './connect.js';
import { migrateToLatest } from './migrator.js';

/** Connects to the configured store (with its master key) and brings its schema up to date. */
export async function openStore(config: Config): Promise<Store> {
  const { key } = loadMasterKey(config);
  const store = connect(config.databaseUrl, {
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    masterKey: key,
    recordsHistory: config.historyRetentionDays > 0,
  });
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
