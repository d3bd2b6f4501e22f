#!/usr/bin/env node
// `npm run fuzz -- --runs 100000 [--store sqlite|postgres]`: the HTTP fuzzing suite
// (test/http/fuzz.stores.test.ts) with many more cases than `npm test` gives it, on both stores by default.
// --runs is the number of generated cases per property; --seed replays a reported failure.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const take = (flag, fallback) => {
  const at = args.indexOf(flag);
  if (at < 0) return fallback;
  const [, value] = args.splice(at, 2);
  return value;
};
const runs = take('--runs', '100000');
const seed = take('--seed', undefined);
if (!/^\d+$/.test(runs)) throw new Error(`--runs must be a whole number, not ${runs}`);
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...args, 'test/http/fuzz.stores.test.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_RUNS: runs,
    ...(seed && { FUZZ_SEED: seed }),
    PATRON_TEST_TIMEOUT_MS: String(24 * 3600 * 1000),
  },
});
process.exit(result.status ?? 1);
