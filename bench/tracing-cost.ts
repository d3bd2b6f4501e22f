// What OpenTelemetry tracing costs the write path (docs/operations.md "Tracing"), side by side in
// one run: three `patron serve` processes on the embedded store, each on a fresh file seeded alike —
// `before` (the sources of the commit before tracing existed, built from git), `off` (this code, no
// OTEL_* set) and `on` (OTEL_TRACES_SAMPLER=always_on, OTLP/HTTP to a collector this process runs).
// Round by round the bench's create workload runs at each (the order rotates), each server idle
// before the next is measured (possible-duplicates scoring off on all three, so nothing trails a run); each round gives off ÷ before and on ÷ off, and the medians are reported.
// Usage: npm run bench:tracing -- [--rounds 5] [--seconds 5] [--seeded 10000] [--before <git ref>]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadResult } from './load.js';
import {
  buildPatron,
  forkTs,
  installCleanupHooks,
  readDefaultAccount,
  runPatronCli,
  startPatron,
  waitUntilIdle,
  type PatronEntry,
  type ServerProcess,
} from './processes.js';
import { defaultSet, sqliteSeeder } from './seed.js';
import type { LoadSpec } from './workloads.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    seeded: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '50' },
    before: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const seeded = Number(values.seeded);
const connections = Number(values.connections);
const MODES = ['before', 'off', 'on'] as const;
type Mode = (typeof MODES)[number];

const log = (message: string) => console.error(`[tracing ${new Date().toISOString().slice(11, 19)}] ${message}`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

/** The parent of the commit that added the tracing SDK's start-up: the code before tracing. */
function commitBeforeTracing(): string {
  const added = execFileSync('git', ['log', '--diff-filter=A', '--format=%h', '--', 'src/telemetry/sdk.ts'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1);
  if (!added) throw new Error('src/telemetry/sdk.ts has no commit that added it: pass --before <ref>');
  return `${added}^`;
}

/** An OTLP/HTTP endpoint that takes every export and counts it, as a collector would answer. */
async function startCollector() {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    counts: () => ({ exports, bytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Side {
  server: ServerProcess;
  apiKey: string;
}

async function startSide(entry: PatronEntry, mode: Mode, workDir: string, collectorUrl: string): Promise<Side> {
  const file = path.join(workDir, `patron-${mode}.sqlite`);
  const server = await startPatron({
    entry,
    databaseUrl: `sqlite:${file}`,
    logFile: path.join(workDir, `patron-${mode}.log`),
    settings:
      mode === 'on'
        ? {
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collectorUrl,
            OTEL_TRACES_SAMPLER: 'always_on',
            OTEL_SERVICE_NAME: 'patron-bench',
          }
        : {},
  });
  const account = readDefaultAccount(server);
  // No possible-duplicates scoring behind the writes: its catching up after one server's run would
  // land in the next server's (tracing is about the request path; all three sides alike).
  await runPatronCli(entry, `sqlite:${file}`, ['accounts', 'update', account.accountId, '--no-duplicates']);
  const seeder = sqliteSeeder(file);
  try {
    await seeder.seed(defaultSet(account.accountId, seeded), 0, false);
  } finally {
    await seeder.close();
  }
  return { server, apiKey: account.apiKey };
}

installCleanupHooks();
const workDir = mkdtempSync(path.join(os.tmpdir(), 'patron-tracing-'));
const load = forkTs<LoadSpec, LoadResult>('load.ts');
const collector = await startCollector();
const sides: Partial<Record<Mode, Side>> = {};
try {
  const before = values.before ?? commitBeforeTracing();
  log(`building Patron, and the sources of ${before} (before tracing)`);
  const current = buildPatron();
  const entries: Record<Mode, PatronEntry> = { before: buildPatron(before), off: current, on: current };
  for (const mode of MODES) {
    log(`${mode}: starting and seeding ${seeded} profiles`);
    sides[mode] = await startSide(entries[mode], mode, workDir, collector.url);
  }
  const rates: Record<Mode, number[]> = { before: [], off: [], on: [] };
  const offVsBefore: number[] = [];
  const onVsOff: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
    const got: Partial<Record<Mode, number>> = {};
    for (const mode of order) {
      const side = sides[mode]!;
      // Every server quiet first: the one measured before may still score the profiles it just made.
      for (const other of Object.values(sides)) await waitUntilIdle(other.server.pid);
      const r = await load.request({
        kind: 'create',
        target: { baseUrl: side.server.url, apiKey: side.apiKey, seeded, tag: `${mode}${round}` },
        connections,
        warmupSec: 1,
        durationSec: seconds,
      });
      if (r.non2xx > 0 || r.errors > 0 || r.ok === 0)
        throw new Error(`create, tracing ${mode}: ${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors`);
      got[mode] = r.rps;
      rates[mode].push(r.rps);
    }
    offVsBefore.push(got.off! / got.before!);
    onVsOff.push(got.on! / got.off!);
    console.log(
      `round ${round + 1} (${order.join(', ')}): creates/s before ${got.before}, off ${got.off}, on ${got.on}`,
    );
  }
  const { exports, bytes } = collector.counts();
  console.log(
    `create, tracing off ÷ before tracing existed = ${median(offVsBefore).toFixed(3)} (median of ${rounds} rounds: ${offVsBefore.map((x) => x.toFixed(3)).join(', ')})`,
  );
  console.log(
    `create, tracing on (always_on, exported) ÷ off = ${median(onVsOff).toFixed(3)} (median of ${rounds} rounds: ${onVsOff.map((x) => x.toFixed(3)).join(', ')}); the collector took ${exports} exports, ${(bytes / 1e6).toFixed(1)} MB`,
  );
  console.log(
    `creates/s — before: ${rates.before.join(', ')}; off: ${rates.off.join(', ')}; on: ${rates.on.join(', ')}`,
  );
} finally {
  for (const side of Object.values(sides)) await side.server.stop();
  await collector.close();
  await load.close();
  rmSync(workDir, { recursive: true, force: true });
}
