#!/usr/bin/env node
// Runs every test file with node's test runner, on the embedded SQLite store and on PostgreSQL,
// each file on the stores its place and name ask for (test/helpers/test-plan.ts, test/README.md).
// Usage: npm test [-- --store sqlite|postgres] [-- <file filter>]
//
// What is expensive is done once per run: the CLI is compiled to dist/ (the process tests in
// test/e2e/ start it as users do), the tests are compiled with the sources they import (plain
// JavaScript loads ~0.7 s of CPU faster per file than through tsx's loader hooks), one Chromium
// serves every browser file, and one disposable PostgreSQL server is started — while the SQLite
// files start — with a migrated template database that each PostgreSQL test file copies. Per store,
// the files that start nothing of their own share one process and the others get one each; all
// four runners go side by side, since many tests wait (on a node, a worker, a receiver).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { register } from 'tsx/esm/api';
import { buildIfChanged, buildTests, TEST_BUILD } from './build.mjs';
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

const all = findTests('test')
  .sort()
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
// This script imports some test helpers' TypeScript (the plan, the PostgreSQL and browser set-up).
register();
const { sharesProcessFile, storesOf } = await import('../test/helpers/test-plan.ts');
const postgresFiles = all.filter((f) => storesOf(f).includes('postgres'));
const sqliteFiles = all.filter((f) => storesOf(f).includes('sqlite'));

let failed = false;
const totals = { passed: 0, failed: 0, skipped: 0, todo: 0 };

/** Seconds spent per test folder and store, from what scripts/file-times-reporter.mjs wrote. */
const split = new Map();

function addToSplit(label, timesFile) {
  if (!existsSync(timesFile)) return; // a runner that crashed: its failure is reported anyway
  for (const line of readFileSync(timesFile, 'utf8').split('\n').filter(Boolean)) {
    const { file, seconds } = JSON.parse(line);
    // The source's path (source maps) or the compiled twin's: the folder below test/ either way.
    const folder = file
      .slice(file.lastIndexOf(`${sep}test${sep}`) + 1)
      .split(sep)
      .slice(0, -1)
      .join('/');
    const row = split.get(folder) ?? {};
    row[label] = (row[label] ?? 0) + seconds;
    split.set(folder, row);
  }
}

/** Both runners of one store, side by side: one process shared by the files that can, one each for the rest (two at a time). */
function runStore(label, files, env) {
  const shared = files.filter(sharesProcessFile);
  return Promise.all([
    run(`${label}, files sharing one process`, shared, env, 'shared'),
    run(
      `${label}, a process per file`,
      files.filter((f) => !shared.includes(f)),
      env,
      'own',
    ),
  ]);
}

/**
 * Runs one node test runner and adds up its closing `# pass` / `# fail` / `# skipped` lines.
 * Its TAP output is kept and printed whole when it ends.
 */
function run(label, files, env, processes) {
  if (files.length === 0) return Promise.resolve();
  const began = Date.now();
  const timesFile = join(TEST_BUILD, `file-times-${env.TEST_STORE}-${processes}.jsonl`);
  const isolation =
    processes === 'shared'
      ? ['--test-isolation=none']
      : [`--test-concurrency=${process.env.PATRON_TEST_CONCURRENCY ?? 2}`];
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        '--test',
        '--test-reporter=tap',
        '--test-reporter-destination=stdout',
        `--test-reporter=${join(import.meta.dirname, 'file-times-reporter.mjs')}`,
        `--test-reporter-destination=${timesFile}`,
        ...isolation,
        `--test-timeout=${process.env.PATRON_TEST_TIMEOUT_MS ?? 180000}`,
        ...files.map(compiled),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = ((Date.now() - began) / 1000).toFixed(0);
      console.log(`\n=== ${label}: ${files.length} files, ${seconds} s ===\n${output}`);
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output.slice(-4000))?.[1] ?? 0);
      addToSplit(env.TEST_STORE, timesFile);
      totals.passed += count('pass');
      totals.failed += count('fail');
      totals.skipped += count('skipped');
      totals.todo += count('todo');
      if (code !== 0) failed = true;
      resolve();
    });
  });
}

/**
 * The run's one Chromium (Debian's; installed when missing), shared by the browser files: each
 * connects to it (test/helpers/browser.ts) and works in contexts of its own.
 */
async function startBrowser() {
  ensureChromium();
  const { CHROMIUM, CHROMIUM_ARGS } = await import('../test/helpers/browser.ts');
  const { chromium } = await import('playwright-core');
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return { server, env: { PATRON_TEST_BROWSER_WS: server.wsEndpoint() } };
}

/** One PostgreSQL server for the whole run, and a migrated template database on it. */
async function startPostgres() {
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

console.log('building dist/ (the CLI that process tests start) and the tests, side by side');
await Promise.all([buildIfChanged(), buildTests()]);
/** A test file's compiled twin. */
const compiled = (file) => join(TEST_BUILD, relative('.', file)).replace(/\.ts$/, '.js');

// Started first: the server boots while the SQLite files run.
const postgres = stores.includes('postgres') && postgresFiles.length > 0 ? startPostgres() : undefined;
postgres?.catch(() => undefined); // reported where it is awaited
const browser =
  all.some((f) => f.includes(`${sep}browser${sep}`)) && stores.includes('sqlite') ? await startBrowser() : undefined;

try {
  // Side by side: many tests wait (on a node, a worker, a receiver), and two runners fill the
  // cores better than one; PostgreSQL's starts when its server is up.
  const sqlite = stores.includes('sqlite')
    ? runStore('on the embedded store (sqlite)', sqliteFiles, { TEST_STORE: 'sqlite', ...browser?.env })
    : undefined;
  const onPostgres = postgres?.then(
    (pg) => runStore('on postgres', postgresFiles, { TEST_STORE: 'postgres', ...pg.env }),
    (error) => {
      console.error('could not run the PostgreSQL tests:', error);
      failed = true;
    },
  );
  await Promise.all([sqlite, onPostgres]);
} finally {
  // After the last file, on the run's critical path: the server's data goes anyway, so it is
  // killed rather than checkpointed, and Chromium closes beside it.
  const stopping = Date.now();
  await Promise.all([
    browser?.server.close(),
    postgres?.then(
      (pg) => pg.server.destroy({ discard: true }),
      () => undefined,
    ),
  ]);
  console.log(`\nstopped the run's PostgreSQL and Chromium in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
}

if (failed && totals.failed === 0) totals.failed = 1; // a runner that crashed still fails the run
// A skipped or todo test is a test that did not run: it fails the run unless it is expected.
const unexpectedSkips = totals.skipped + totals.todo;
if (unexpectedSkips > 0) {
  console.log(
    `\n${unexpectedSkips} test(s) skipped or todo: every test must run (see the "# SKIP" lines above for why)`,
  );
  failed = true;
}
// Runners and files go side by side, so the folders add up to more than the wall time (load time aside).
console.log('\nseconds per test folder (sum of its files):');
for (const [folder, row] of [...split].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(
    `  ${folder.padEnd(20)} ${['sqlite', 'postgres'].map((st) => `${st} ${(row[st] ?? 0).toFixed(1).padStart(6)}`).join('  ')}`,
  );
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\nwall time: ${seconds} s`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failed ? 1 : 0);
