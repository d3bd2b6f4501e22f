import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { connect, type ConnectOptions, type Store } from '../../src/db/connect.js';
import { parseMasterKey } from '../../src/keys/master-key.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import { newAccount, type TestAccount } from './accounts.js';
import { addSubscription } from '../../src/modules/webhooks/webhooks.service.js';
import { testPostgres } from './postgres.js';

export type TestStoreKind = 'sqlite' | 'postgres';

/** Which database this test process runs on (`npm test` runs the suite once per store). */
export const TEST_STORE: TestStoreKind = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * On PostgreSQL, `npm test` migrates one template database per run and names it here, so a test
 * database is a copy of it (CREATE DATABASE … TEMPLATE) instead of a migration of its own.
 */
const TEMPLATE = process.env.TEST_DATABASE_TEMPLATE;

/**
 * Every test store seals secrets under this master key, and `patron` processes the tests start
 * get it as PATRON_MASTER_KEY (test/helpers/cli.ts), so both sides open each other's secrets.
 */
export const TEST_MASTER_KEY_TEXT = '7a'.repeat(32);
export const TEST_MASTER_KEY = parseMasterKey(TEST_MASTER_KEY_TEXT)!;

let counter = 0;

async function newDatabase(migrated: boolean): Promise<{ url: string; cleanup(): void }> {
  if (TEST_STORE === 'postgres') {
    const server = await testPostgres();
    const name = `patron_test_${process.pid}_${Date.now()}_${counter++}`;
    return { url: await server.createDatabase(name, migrated ? TEMPLATE : undefined), cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'patron-test-'));
  return { url: `sqlite:${join(dir, 'patron.sqlite')}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A DATABASE_URL for a brand-new, empty database of the current kind (no tables). */
export function freshDatabaseUrl(): Promise<{ url: string; cleanup(): void }> {
  return newDatabase(false);
}

/** A connected, migrated store on a new database; close() also removes it. */
export async function openTestStore(options: ConnectOptions = {}): Promise<Store & { url: string }> {
  const { url, cleanup } = await newDatabase(true);
  const store = connect(url, { poolSize: 20, masterKey: TEST_MASTER_KEY, ...options });
  // A no-op on a copy of the migrated template, but Kysely still reads the catalog: not under a
  // test's short statement timeout, which a loaded machine's catalog read can exceed.
  const migrator = options.statementTimeoutMs === undefined ? store : connect(url, { poolSize: 1 });
  await migrateToLatest(migrator);
  if (migrator !== store) await migrator.close();
  return {
    ...store,
    url,
    close: async () => {
      await store.close();
      cleanup();
    },
  };
}

/**
 * A migrated database that `patron serve` processes of the test share, closed when the file
 * ends. Accounts and webhook subscriptions are made in-process through the services the CLI
 * calls, so a test that only needs one pays no process start for it.
 */
export async function sharedTestDatabase() {
  const store = await openTestStore();
  after(() => store.close());
  return {
    url: store.url,
    store,
    newAccount: (settings: SettingsInput = {}, name = 'test'): Promise<TestAccount> =>
      newAccount(store, settings, name),
    /** Test receivers listen on 127.0.0.1, which only PATRON_WEBHOOK_ALLOW_PRIVATE=true accepts. */
    subscribe(accountId: string, receiverUrl: string, topics: string[]) {
      return addSubscription(store, accountId, receiverUrl, topics, { allowPrivate: true });
    },
  };
}
