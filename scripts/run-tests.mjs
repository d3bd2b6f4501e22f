#!/usr/bin/env node
// Runs every test file with node's test runner (TypeScript through tsx), once per store:
// the embedded SQLite store, then PostgreSQL. Suites that do not touch a store run once.
// Usage: npm test [-- --store sqlite|postgres] [-- <file filter>]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium } from './ensure-chromium.mjs';

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
const filters = args.filter((a, i) => a !== '--store' && i !== storeFlag + 1);

const all = findTests('test').sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
// Files under test/unit/ never open a store: run once. Files under test/postgres/ are about
// PostgreSQL itself (stopping and restarting the server): run with the postgres store only.
// Browser tests look at pages, not at the store: run once too.
const once = all.filter((f) => f.includes('/unit/') || f.includes('/browser/'));
const postgresOnly = all.filter((f) => f.includes('/postgres/'));
const perStore = all.filter((f) => !once.includes(f) && !postgresOnly.includes(f));

let failed = false;
const totals = { passed: 0, failed: 0 };

/** Streams the runner's TAP output and adds up its closing `# pass` / `# fail` lines. */
function run(label, files, env) {
  if (files.length === 0) return Promise.resolve();
  console.log(`\n=== ${label}: ${files.length} files ===`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', '--test-timeout=180000', ...files],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tail)?.[1] ?? 0);
      totals.passed += count('pass');
      totals.failed += count('fail');
      if (code !== 0) failed = true;
      resolve();
    });
  });
}

if (once.some((f) => f.includes('/browser/'))) ensureChromium();
await run('unit and browser', once, {});
for (const store of stores) {
  await run(`integration on ${store}`, store === 'postgres' ? [...perStore, ...postgresOnly] : perStore, { TEST_STORE: store });
}
if (failed && totals.failed === 0) totals.failed = 1; // a runner that crashed still fails the run
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failed ? 1 : 0);
