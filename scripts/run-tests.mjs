#!/usr/bin/env node
// Runs every test file with node's test runner (TypeScript through tsx), once per store:
// the embedded SQLite store, then PostgreSQL. Suites that do not touch a store run once.
// Usage: npm test [-- --store sqlite|postgres] [-- <file filter>]
//
// What is expensive is done once per run: the CLI is compiled to dist/ (tests spawn it as users
// do), the tests are compiled with the sources they import (plain JavaScript loads ~0.7 s of CPU
// faster per file than through tsx's loader hooks), and one disposable PostgreSQL server is
// started — while the SQLite files run — with a migrated template database that each
// PostgreSQL test file copies. The stores run one after the other: on two cores the run is
// CPU-bound, and side by side they were slower (191 s against 172 s).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { register } from 'tsx/esm/api';
import { build, buildTests, TEST_BUILD } from './build.mjs';
import { ensureChromium } from './ensure-chromium.mjs';

const started = Date.now();

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'helpers' ? [] : findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const storeFlag = args.indexOf('--store');
const stores = storeFlag >= 0 ? [args[storeFlag + 1]] : ['sqlite', 'postgres'];
const filters = args.filter((a, i) => a !== '--store' && !(storeFlag >= 0 && i === storeFlag + 1));

const all = findTests('test').sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
// Files under test/unit/ never open a store: run once. Files under test/postgres/ are about
// PostgreSQL itself (stopping and restarting the server): run with the postgres store only;
// files under test/sqlite/ (the embedded store's group commit) with the sqlite store only.
// The docs page looks at no store: run once too. The console's browser suite runs per store.
const once = all.filter((f) => f.includes('/unit/') || f.includes('/browser/docs-page'));
const postgresOnly = all.filter((f) => f.includes('/postgres/'));
const sqliteOnly = all.filter((f) => f.includes('/sqlite/'));
const perStore = all.filter((f) => !once.includes(f) && !postgresOnly.includes(f) && !sqliteOnly.includes(f));

let failed = false;
const totals = { passed: 0, failed: 0, skipped: 0, todo: 0 };

/**
 * Runs one node test runner and adds up its closing `# pass` / `# fail` / `# skipped` lines.
 * Runners go side by side, so each one's TAP output is kept and printed whole when it ends.
 */
function run(label, files, env) {
  if (files.length === 0) return Promise.resolve();
  const began = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', '--test', '--test-reporter=tap', '--test-concurrency=2', `--test-timeout=${process.env.PATRON_TEST_TIMEOUT_MS ?? 180000}`, ...files.map(compiled)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = ((Date.now() - began) / 1000).toFixed(0);
      console.log(`\n=== ${label}: ${files.length} files, ${seconds} s ===\n${output}`);
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output.slice(-4000))?.[1] ?? 0);
      totals.passed += count('pass');
      totals.failed += count('fail');
      totals.skipped += count('skipped');
      totals.todo += count('todo');
      if (code !== 0) failed = true;
      resolve();
    });
  });
}

/** One PostgreSQL server for the whole run, and a migrated template database on it. */
async function startPostgres() {
  register();
  const { startTestPostgres } = await import('../test/helpers/postgres-server.ts');
  const { connect } = await import('../src/db/connect.ts');
  const { migrateToLatest } = await import('../src/db/migrator.ts');
  // Never killed (the fault suite starts its own), so it need not flush to disk.
  const server = await startTestPostgres({ own: true, durable: false });
  const template = 'patron_template';
  const store = connect(await server.createDatabase(template), { poolSize: 1 });
  try {
    await migrateToLatest(store);
  } finally {
    await store.close(); // CREATE DATABASE … TEMPLATE needs the template without connections
  }
  return { server, env: { TEST_DATABASE_URL: server.url, TEST_DATABASE_TEMPLATE: template } };
}

console.log('building dist/ (the CLI that tests spawn) and the tests');
build();
buildTests();
/** A test file's compiled twin. */
const compiled = (file) => join(TEST_BUILD, relative('.', file)).replace(/\.ts$/, '.js');

// Started first: the server boots while the other runners start.
const postgres = stores.includes('postgres') && (perStore.length > 0 || postgresOnly.length > 0) ? startPostgres() : undefined;
postgres?.catch(() => undefined); // reported where it is awaited

try {
  if (all.some((f) => f.includes('/browser/'))) ensureChromium();
  // Unit and browser files go beside the SQLite ones; PostgreSQL waits for both its server and SQLite.
  const runs = [run('unit and browser', once, {})];
  const sqlite = stores.includes('sqlite') ? run('integration on sqlite', [...perStore, ...sqliteOnly], { TEST_STORE: 'sqlite' }) : Promise.resolve();
  runs.push(sqlite);
  if (postgres) {
    const files = [...perStore, ...postgresOnly];
    runs.push(Promise.all([postgres, sqlite]).then(([pg]) => run('integration on postgres', files, { TEST_STORE: 'postgres', ...pg.env })));
  }
  for (const outcome of await Promise.allSettled(runs)) {
    if (outcome.status === 'rejected') {
      console.error('could not run the PostgreSQL tests:', outcome.reason);
      failed = true;
    }
  }
} finally {
  await postgres?.then((pg) => pg.server.destroy(), () => undefined);
}

if (failed && totals.failed === 0) totals.failed = 1; // a runner that crashed still fails the run
// A skipped or todo test is a test that did not run: it fails the run unless it is expected.
const unexpectedSkips = totals.skipped + totals.todo;
if (unexpectedSkips > 0) {
  console.log(`\n${unexpectedSkips} test(s) skipped or todo: every test must run (see the "# SKIP" lines above for why)`);
  failed = true;
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\nwall time: ${seconds} s`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failed ? 1 : 0);
