// Where each test file runs, decided from its place, its name and what it starts (test/README.md).
// scripts/run-tests.mjs applies it; test/suite/ holds it to its rules.
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';

export type StoreName = 'sqlite' | 'postgres';

const onlyOn = (store: StoreName, file: string) => file.split(sep).join('/').startsWith(`test/db/${store}/`);

/**
 * The stores a file runs on: test/db/postgres/ and test/db/sqlite/ are about that store itself;
 * *.stores.test.ts exercises store behaviour (SQL, locks, transactions, what a write leaves) and
 * runs on both; every other file (HTTP shapes, pure functions, the browser) once, on the embedded store.
 */
export function storesOf(file: string): StoreName[] {
  if (onlyOn('postgres', file)) return ['postgres'];
  if (onlyOn('sqlite', file)) return ['sqlite'];
  return file.endsWith('.stores.test.ts') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * Whether a file can share one test process with others (node's --test-isolation=none): most of a
 * small file's cost is loading the app's modules (~0.9 s of CPU), paid once there. A file that
 * starts `patron` processes, a browser or a PostgreSQL server of its own gets a process of its own.
 */
export function sharesProcess(source: string): boolean {
  return !/\b(startServe|runCliProcess|sharedBrowser|startTestPostgres)\(/.test(source);
}

export const sharesProcessFile = (file: string): boolean => sharesProcess(readFileSync(file, 'utf8'));
