import type { TestPostgres } from './postgres-server.js';

let server: Promise<TestPostgres> | undefined;

/**
 * The PostgreSQL server of this test process: the one named by TEST_DATABASE_URL (npm test
 * starts one for the whole run), else a disposable one started on first use. Loaded lazily so
 * SQLite runs never touch the PostgreSQL harness.
 */
export function testPostgres(): Promise<TestPostgres> {
  server ??= import('./postgres-server.js').then((m) => m.startTestPostgres());
  return server;
}
