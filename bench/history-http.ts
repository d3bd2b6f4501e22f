// What profile history costs the write path over HTTP, the bench's own workloads measured side by
// side: two `patron serve` processes (compiled, as `npm start` runs), one with history and one
// without (PATRON_HISTORY_RETENTION_DAYS=0), each on a fresh store seeded alike; round by round
// the load child drives create, update and merge at one and then the other (which goes first
// alternates), then each takes the batch workload, and on SQLite `patron import` of a CSV runs
// into a fresh store each way; each round gives a ratio per workload. Separate runs of the full
// bench differ by a fifth on this shared machine, so only figures taken this way compare.
// Usage: npm run bench:history-http -- [--stores sqlite,postgres] [--rounds 5] [--seconds 5]
//   [--seeded 10000] [--batches 10] [--import-rows 20000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres-server.js';
import { runBatchWorkload } from './batch.js';
import { runImport } from './import-run.js';
import type { LoadResult } from './load.js';
import {
  buildPatron,
  forkTs,
  installCleanupHooks,
  readDefaultAccount,
  createMergeAccount,
  startPatron,
  type IpcChild,
  type PatronEntry,
  type ServerProcess,
} from './processes.js';
import { defaultSet, mergeSet, pgSeeder, sqliteSeeder, type Seeder } from './seed.js';
import type { LoadSpec, WorkloadKind } from './workloads.js';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite,postgres' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    seeded: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '50' },
    batches: { type: 'string', default: '10' },
    'import-rows': { type: 'string', default: '20000' },
  },
});
const stores = values.stores.split(',') as Array<'sqlite' | 'postgres'>;
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const seeded = Number(values.seeded);
const connections = Number(values.connections);
const batches = Number(values.batches);
const importRows = Number(values['import-rows']);
const BATCH_SIZE = 1_000;
const HTTP_WORKLOADS: WorkloadKind[] = ['create', 'update', 'merge'];
type Workload = WorkloadKind | 'batch' | 'import';
const MODES = ['on', 'off'] as const;
type Mode = (typeof MODES)[number];

const log = (message: string) => console.error(`[history-http ${new Date().toISOString().slice(11, 19)}] ${message}`);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

interface Side {
  server: ServerProcess;
  apiKey: string;
  secretKey: string;
  mergeApiKey: string;
  seeder: Seeder;
}

const settingsOf = (mode: Mode): Record<string, string> =>
  mode === 'off' ? { PATRON_HISTORY_RETENTION_DAYS: '0' } : {};

/** A Patron with history on or off, on its own fresh store, with the bench's two accounts seeded. */
async function startSide(
  entry: PatronEntry,
  mode: Mode,
  databaseUrl: string,
  seeder: () => Seeder,
  workDir: string,
): Promise<Side> {
  const server = await startPatron({
    entry,
    databaseUrl,
    logFile: path.join(workDir, `patron-${mode}.log`),
    settings: settingsOf(mode),
  });
  const account = readDefaultAccount(server);
  const merge = await createMergeAccount(entry, databaseUrl);
  const side: Side = {
    server,
    apiKey: account.apiKey,
    secretKey: account.secretKey,
    mergeApiKey: merge.apiKey,
    seeder: seeder(),
  };
  await side.seeder.seed(defaultSet(account.accountId, seeded), 0, false);
  await side.seeder.seed(mergeSet(merge.id, Math.min(seeded, 10_000)), 0, false);
  return side;
}

/** What every measurement of one store's run shares. */
interface Run {
  kind: 'sqlite' | 'postgres';
  entry: PatronEntry;
  load: IpcChild<LoadSpec, LoadResult>;
  workDir: string;
  batchCount: number;
}

/** One workload against one side: requests, batch items or import rows per second. */
async function measure(
  { kind, entry, load, workDir, batchCount }: Run,
  workload: Workload,
  side: Side,
  mode: Mode,
  tag: string,
): Promise<number> {
  const what = `${kind} ${workload} history ${mode}`;
  if (workload === 'batch') {
    const r = await runBatchWorkload({
      baseUrl: side.server.url,
      apiKey: side.apiKey,
      secretKey: side.secretKey,
      batches: batchCount,
      batchSize: BATCH_SIZE,
      tag,
    });
    if (r.failedItems > 0 || r.problems.length > 0)
      throw new Error(`${what}: ${r.failedItems} failed items; ${r.problems.slice(0, 3).join('; ')}`);
    return r.customersPerSec;
  }
  if (workload === 'import') {
    const r = await runImport(entry, workDir, importRows, tag, settingsOf(mode));
    if (r.rejected > 0) throw new Error(`${what}: ${r.rejected} rows rejected`);
    return r.rowsPerSec;
  }
  const target = {
    baseUrl: side.server.url,
    apiKey: workload === 'merge' ? side.mergeApiKey : side.apiKey,
    seeded: workload === 'merge' ? Math.min(seeded, 10_000) : seeded,
    tag,
  };
  const r = await load.request({ kind: workload, target, connections, warmupSec: 1, durationSec: seconds });
  if (r.non2xx > 0 || r.errors > 0 || r.ok === 0)
    throw new Error(`${what}: ${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.rps;
}

async function runStore(
  kind: 'sqlite' | 'postgres',
  entry: PatronEntry,
  load: IpcChild<LoadSpec, LoadResult>,
  workDir: string,
): Promise<void> {
  let pg: TestPostgres | undefined;
  const sides: Partial<Record<Mode, Side>> = {};
  try {
    for (const mode of MODES) {
      let databaseUrl: string;
      let seeder: () => Seeder;
      if (kind === 'sqlite') {
        const file = path.join(workDir, `patron-${mode}.sqlite`);
        databaseUrl = `sqlite:${file}`;
        seeder = () => sqliteSeeder(file);
      } else {
        pg ??= await startTestPostgres({ own: true });
        databaseUrl = await pg.createDatabase(`history_http_${mode}`);
        const url = databaseUrl;
        seeder = () => pgSeeder(url);
      }
      log(`${kind}: history ${mode}, starting and seeding ${seeded} profiles`);
      sides[mode] = await startSide(entry, mode, databaseUrl, seeder, workDir);
    }
    // PostgreSQL's single batch worker is far slower: fewer batches there; import is the embedded store's.
    const batchCount = kind === 'postgres' && batches > 0 ? Math.max(1, Math.round(batches / 3)) : batches;
    const run: Run = { kind, entry, load, workDir, batchCount };
    const workloads: Workload[] = [
      ...HTTP_WORKLOADS,
      ...(batchCount > 0 ? ['batch' as const] : []),
      ...(kind === 'sqlite' && importRows > 0 ? ['import' as const] : []),
    ];
    const ratios = new Map<Workload, number[]>(workloads.map((w) => [w, []]));
    const rates = new Map<Workload, Record<Mode, number[]>>(workloads.map((w) => [w, { on: [], off: [] }]));
    for (let round = 0; round < rounds; round++) {
      const order: Mode[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      const line: string[] = [];
      for (const workload of workloads) {
        const got: Partial<Record<Mode, number>> = {};
        for (const mode of order) {
          const rate = await measure(run, workload, sides[mode]!, mode, `${mode}${round}${workload}`);
          got[mode] = rate;
          rates.get(workload)![mode].push(rate);
        }
        ratios.get(workload)!.push(got.on! / got.off!);
        line.push(`${workload} ${got.on}/${got.off}`);
      }
      console.log(
        `${kind} round ${round + 1}: ${line.join(', ')} (on/off per second: requests, batch items, import rows)`,
      );
    }
    for (const workload of workloads) {
      const r = rates.get(workload)!;
      console.log(
        `${kind} ${workload}: history on ÷ off = ${median(ratios.get(workload)!).toFixed(2)} (median of ${rounds} rounds; on ${r.on.join(', ')}; off ${r.off.join(', ')})`,
      );
    }
  } finally {
    for (const side of Object.values(sides)) {
      await side.server.stop();
      await side.seeder.close();
    }
    await pg?.destroy();
  }
}

installCleanupHooks();
const workDir = mkdtempSync(path.join(os.tmpdir(), 'patron-history-http-'));
const load = forkTs<LoadSpec, LoadResult>('load.ts');
try {
  log('building Patron');
  const entry = buildPatron();
  for (const kind of stores) await runStore(kind, entry, load, workDir);
} finally {
  await load.close();
  rmSync(workDir, { recursive: true, force: true });
}
