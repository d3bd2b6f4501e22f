import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Store } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { testPostgres } from './postgres.js';

export type TestStoreKind = 'sqlite' | 'postgres';

/** Which database this test process runs on (`npm test` runs the suite once per store). */
export const TEST_STORE: TestStoreKind = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

let counter = 0;

/** A DATABASE_URL for a brand-new, empty database of the current kind. */
export async function freshDatabaseUrl(): Promise<{ url: string; cleanup(): void }> {
  if (TEST_STORE === 'postgres') {
    const server = await testPostgres();
    const name = `patron_test_${process.pid}_${Date.now()}_${counter++}`;
    return { url: await server.createDatabase(name), cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'patron-test-'));
  return { url: `sqlite:${join(dir, 'patron.sqlite')}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A connected, migrated store on a fresh database; close() also removes it. */
export async function openTestStore(): Promise<Store & { url: string }> {
  const { url, cleanup } = await freshDatabaseUrl();
  const store = connect(url, { poolSize: 20 });
  await migrateToLatest(store);
  return {
    ...store,
    url,
    close: async () => {
      await store.close();
      cleanup();
    },
  };
}
