// `npm run bench`: the orchestrator. Starts the bare-Fastify baseline, then for each store a
// real `patron serve` process, seeds it level by level, drives the workloads from a separate
// autocannon process, runs the store-alone loop, and prints and saves the results.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres-server.js';
import { runBatchWorkload } from './batch.js';
import { runImport } from './import-run.js';
import { parseConfig, type BenchConfig, type StoreName } from './config.js';
import type { LoadResult } from './load.js';
import {
  BENCH_DIR,
  PROJECT_ROOT,
  buildPatron,
  forkTs,
  patronSettings,
  installCleanupHooks,
  readDefaultAccount,
  createMergeAccount,
  sampleMemory,
  startBaseline,
  startPatron,
  type DefaultAccount,
  type IpcChild,
  type PatronEntry,
  type ServerProcess,
} from './processes.js';
import { formatProfile, summariseProfile } from './profile-summary.js';
import { rawInsertRate, type RawInsertResult } from './raw-insert.js';
import {
  applyRatios,
  evaluateTargets,
  formatResults,
  machineInfo,
  saveResults,
  type BaselineRun,
  type BenchResults,
  type LevelBatch,
  type LevelResult,
  type StoreResult,
  type WorkloadResult,
} from './report.js';
import { defaultSet, mergeSet, pgSeeder, sqliteSeeder, type Seeder } from './seed.js';
import type { StoreLoopRequest, StoreLoopResult } from './store-loop.js';
import type { LoadSpec, LoadTarget, WorkloadKind } from './workloads.js';

type Load = IpcChild<LoadSpec, LoadResult>;

interface Context {
  config: BenchConfig;
  entry: PatronEntry;
  load: Load;
  workDir: string;
  failures: string[];
  profileDir: string | undefined;
  /** The smoke run starts PostgreSQL while the SQLite part runs; the full run never overlaps work. */
  earlyPostgres: Promise<TestPostgres> | undefined;
}

const tag = () => randomBytes(3).toString('hex');
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function checkLoad(failures: string[], what: string, r: LoadResult): void {
  if (r.non2xx > 0 || r.errors > 0)
    failures.push(`${what}: ${r.non2xx} non-2xx answers and ${r.errors} errors (${r.timeouts} timeouts)`);
  if (r.ok === 0) failures.push(`${what}: no successful request`);
}

async function runBaseline(
  config: BenchConfig,
  load: Load,
  workDir: string,
  failures: string[],
  when: string,
): Promise<BaselineRun> {
  const server = await startBaseline(path.join(workDir, `baseline-${when.replace(/\W+/g, '-')}.log`));
  try {
    const target: LoadTarget = { baseUrl: server.url, apiKey: 'none', seeded: config.levels[0] ?? 1, tag: tag() };
    const spec = (kind: WorkloadKind): LoadSpec => ({
      kind,
      target,
      connections: config.connections,
      warmupSec: config.warmupSec,
      durationSec: config.durationSec,
    });
    log(`baseline (${when}): bare Fastify POST`);
    const post = await load.request(spec('create'));
    log(`baseline (${when}): bare Fastify GET`);
    const get = await load.request(spec('read'));
    checkLoad(failures, 'baseline POST', post);
    checkLoad(failures, 'baseline GET', get);
    return { when, post, get };
  } finally {
    await server.stop();
  }
}

interface StoreHandle {
  databaseUrl: string;
  seeder: () => Seeder;
  close(): Promise<void>;
}

async function openStore(name: StoreName, ctx: Context): Promise<StoreHandle> {
  if (name === 'sqlite') {
    const file = path.join(ctx.workDir, 'patron.sqlite');
    return { databaseUrl: `sqlite:${file}`, seeder: () => sqliteSeeder(file), close: async () => undefined };
  }
  const server: TestPostgres = await (ctx.earlyPostgres ?? startTestPostgres({ own: true }));
  try {
    const databaseUrl = await server.createDatabase('patron_bench');
    return { databaseUrl, seeder: () => pgSeeder(databaseUrl), close: () => server.destroy() };
  } catch (error) {
    await server.destroy();
    throw error;
  }
}

interface Accounts extends DefaultAccount {
  mergeApiKey: string;
  mergeAccountId: string;
}

/** The batch workload on the level's server; a failed item fails the run like a non-2xx does. */
async function runBatch(
  ctx: Context,
  store: StoreName,
  server: ServerProcess,
  accounts: Accounts,
  batches: number,
  seeder: Seeder,
): Promise<LevelBatch> {
  const { batchSize } = ctx.config;
  log(`${store}: batch (${batches} × ${batchSize} new customers)`);
  // The create workloads before it have grown the store past the level's seed.
  const { profiles } = await seeder.counts(accounts.accountId);
  const r = await runBatchWorkload({
    baseUrl: server.url,
    apiKey: accounts.apiKey,
    secretKey: accounts.secretKey,
    batches,
    batchSize,
    tag: tag(),
  });
  if (r.failedItems > 0 || r.problems.length > 0) {
    ctx.failures.push(
      `${store} batch: ${r.failedItems} failed items of ${r.items}; ${r.problems.slice(0, 5).join('; ')}`,
    );
  }
  return { ...r, profilesAtStart: profiles };
}

/** Patron for one level; the profile dir is per level so each process leaves its own profile. */
function startLevelServer(ctx: Context, store: StoreName, handle: StoreHandle, seeded: number): Promise<ServerProcess> {
  return startPatron({
    entry: ctx.entry,
    databaseUrl: handle.databaseUrl,
    logFile: path.join(ctx.workDir, `patron-${store}-${seeded}.log`),
    cpuProfDir: ctx.profileDir ? path.join(ctx.profileDir, `${store}-${seeded}`) : undefined,
  });
}

/** Runs the level's workloads against `server` (already started on the seeded store), then stops it. */
async function runLevel(
  ctx: Context,
  store: StoreName,
  server: ServerProcess,
  seeded: number,
  first: boolean,
  accounts: Accounts,
  seeder: Seeder,
): Promise<LevelResult> {
  const { config } = ctx;
  const before = await seeder.counts(accounts.accountId);
  const mergeBefore = await seeder.counts(accounts.mergeAccountId);
  const profDir = ctx.profileDir ? path.join(ctx.profileDir, `${store}-${seeded}`) : undefined;
  const memory = sampleMemory(server.pid);
  const workloads: WorkloadResult[] = [];
  let level: LevelResult;
  try {
    const kinds: WorkloadKind[] = first ? ['create', 'update', 'merge', 'read'] : ['create', 'read'];
    for (const kind of kinds) {
      const merge = kind === 'merge';
      const target: LoadTarget = {
        baseUrl: server.url,
        apiKey: merge ? accounts.mergeApiKey : accounts.apiKey,
        seeded: merge ? config.mergeSeed : seeded,
        tag: tag(),
      };
      log(`${store} @ ${seeded}: ${kind}`);
      const r = await ctx.load.request({
        kind,
        target,
        connections: config.connections,
        warmupSec: config.warmupSec,
        durationSec: config.durationSec,
      });
      checkLoad(ctx.failures, `${store} @ ${seeded} ${kind}`, r);
      workloads.push({ kind, ...r, ratio: 0 }); // set by applyRatios once the bracketing baseline has run
    }
    // Last, so a job still running cannot overlap the HTTP workloads; it ends before we go on.
    const batches = store === 'postgres' ? config.pgBatches : config.batches;
    const batch = first && batches > 0 ? await runBatch(ctx, store, server, accounts, batches, seeder) : undefined;
    level = { seeded, profilesAtStart: before.profiles, workloads, memory: memory.stop(), ...(batch && { batch }) };
  } finally {
    memory.stop();
    await server.stop();
  }

  // The rows must add up, or the workloads did not do what they claim. Requests in flight when
  // autocannon stopped may have committed without being counted: allow one per connection.
  const slack = 2 * config.connections; // warm-up and measured run each stop with requests in flight
  const written = (kind: WorkloadKind) => {
    const w = workloads.find((x) => x.kind === kind);
    return w ? w.ok + w.warmupOk : 0;
  };
  const after = await seeder.counts(accounts.accountId);
  const grew = after.profiles - before.profiles;
  // Batch items are new customerIds of the same account, each counted exactly.
  const expected = written('create') + (level.batch ? level.batch.processedItems - level.batch.failedItems : 0);
  if (grew < expected || grew > expected + slack) {
    ctx.failures.push(
      `${store} @ ${seeded}: ${grew} profiles created, expected ${expected} (+ up to ${slack} in flight)`,
    );
  }
  if (first) {
    const mergeAfter = await seeder.counts(accounts.mergeAccountId);
    const joined = mergeAfter.customerIds - mergeBefore.customerIds;
    if (mergeAfter.profiles !== mergeBefore.profiles)
      ctx.failures.push(
        `${store}: merge created ${mergeAfter.profiles - mergeBefore.profiles} profiles, expected none`,
      );
    if (joined < written('merge') || joined > written('merge') + slack)
      ctx.failures.push(`${store}: merge attached ${joined} customerIds, expected ${written('merge')}`);
  }

  if (profDir) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      level.profile = summariseProfile(path.join(profDir, file));
      console.log(`\nCPU profile, ${store} @ ${seeded}:\n${formatProfile(level.profile)}\n`);
    }
  }
  return level;
}

/** The batch workload's ceiling, with no Patron running: a fresh file, as many rows, same chunks. */
async function runRawInsert(ctx: Context): Promise<RawInsertResult> {
  const { batches, batchSize } = ctx.config;
  log(`sqlite: raw better-sqlite3 insert (${batches * batchSize} rows, ${batchSize} per transaction)`);
  return rawInsertRate(path.join(ctx.workDir, 'raw-insert.sqlite'), batches * batchSize, batchSize, tag());
}

async function runStore(ctx: Context, name: StoreName): Promise<StoreResult> {
  const { config } = ctx;
  const levels = name === 'postgres' ? config.pgLevels : config.levels;
  const result: StoreResult = {
    store: name,
    levels: [],
    skippedLevels: config.levels.filter((l) => !levels.includes(l)),
    seedSec: {},
  };
  log(`${name}: starting store`);
  const handle = await openStore(name, ctx);
  let seeder: Seeder | undefined;
  try {
    // The first level's server also does the first start: it migrates the store and prints the
    // default account's keys. Seeding that level happens beside it (it is idle); later levels
    // seed with Patron stopped, so its memory and caches start fresh at each level.
    const [firstLevel] = levels;
    if (firstLevel === undefined) return result;
    let server: ServerProcess | undefined = await startLevelServer(ctx, name, handle, firstLevel);
    try {
      const defaults = readDefaultAccount(server);
      const merge = await createMergeAccount(ctx.entry, handle.databaseUrl);
      const accounts: Accounts = { ...defaults, mergeApiKey: merge.apiKey, mergeAccountId: merge.id };

      seeder = handle.seeder();
      await seeder.seed(mergeSet(accounts.mergeAccountId, config.mergeSeed), 0, false);
      let seeded = 0;
      for (const [i, level] of levels.entries()) {
        const t = performance.now();
        log(`${name}: seeding to ${level} profiles`);
        await seeder.seed(defaultSet(accounts.accountId, level), seeded, server === undefined);
        result.seedSec[String(level)] = Math.round((performance.now() - t) / 100) / 10;
        seeded = level;
        const running: ServerProcess = server ?? (await startLevelServer(ctx, name, handle, level));
        server = undefined; // runLevel stops it
        result.levels.push(await runLevel(ctx, name, running, level, i === 0, accounts, seeder));
        if (i === 0) {
          log(`${name}: store loop (service layer vs raw driver)`);
          // A child per store, closed before the store is: it must hold no connection when
          // PostgreSQL shuts down.
          const loop = forkTs<StoreLoopRequest, StoreLoopResult>('store-loop.ts');
          try {
            result.storeLoop = await loop.request({
              databaseUrl: handle.databaseUrl,
              accountId: accounts.accountId,
              seeded: level,
              concurrency: config.connections,
              durationSec: config.storeLoopSec,
              poolSize: 10, // PATRON_DB_POOL_SIZE default
              tag: tag(),
            });
          } finally {
            await loop.close();
          }
          if (name === 'sqlite') result.rawInsert = await runRawInsert(ctx);
          if (name === 'sqlite' && config.importRows > 0) {
            log(`sqlite: patron import of a ${config.importRows}-row CSV into a fresh store`);
            result.import = await runImport(ctx.entry, ctx.workDir, config.importRows, tag());
          }
        }
      }
    } finally {
      await server?.stop();
    }
  } finally {
    await seeder?.close();
    await handle.close();
  }
  return result;
}

async function main(): Promise<number> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const config = parseConfig(process.argv.slice(2));
  if (config.history === 'off') patronSettings.PATRON_HISTORY_RETENTION_DAYS = '0';
  installCleanupHooks();
  const machine = machineInfo();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'patron-bench-'));
  const failures: string[] = [];
  let load: Load | undefined;
  const earlyPostgres =
    config.smoke && config.stores.includes('postgres') ? startTestPostgres({ own: true }) : undefined;
  try {
    log(
      `mode ${config.smoke ? 'smoke' : 'full'}, stores ${config.stores.join('+')}, levels ${config.levels.join('/')}, pg levels ${config.pgLevels.join('/')}`,
    );
    const entry = config.entry === 'build' ? buildPatron() : ({ kind: 'tsx' } as const);
    load = forkTs<LoadSpec, LoadResult>('load.ts');
    // The machine is shared: the baseline runs before the first store and (full run) after each
    // store, and each store's ratios use the mean of the two runs around it.
    const baselines = [await runBaseline(config, load, workDir, failures, 'start')];
    const ctx: Context = {
      config,
      entry,
      load,
      workDir,
      failures,
      profileDir: config.cpuProf
        ? path.join(BENCH_DIR, 'results/profiles', startedAt.replace(/[:.]/g, '-'))
        : undefined,
      earlyPostgres,
    };
    const stores: StoreResult[] = [];
    for (const store of config.stores) {
      stores.push(await runStore(ctx, store));
      if (!config.smoke) baselines.push(await runBaseline(config, load, workDir, failures, `after ${store}`));
    }
    applyRatios(stores, baselines);

    const results: BenchResults = {
      startedAt,
      elapsedSec: 0,
      config,
      machine,
      baselines,
      stores,
      targets: [],
      failures,
    };
    results.machine.loadAvgAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
    results.targets = evaluateTargets(results);
    results.elapsedSec = Math.round((performance.now() - started) / 1000);
    console.log(`\n${formatResults(results)}\n`);
    const dir = config.resultsDir ? path.resolve(PROJECT_ROOT, config.resultsDir) : path.join(workDir, 'results');
    const file = saveResults(dir, results);
    console.log(`results: ${config.resultsDir ? path.relative(PROJECT_ROOT, file) : file} (${results.elapsedSec} s)`);
    for (const f of failures) console.error(`bench check failed: ${f}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    // Each step on its own: one failing must not leave the next process or directory behind.
    await load?.close().catch((error: unknown) => log(`closing the load generator: ${String(error)}`));
    await (
      await earlyPostgres?.catch(() => undefined)
    )
      ?.destroy()
      .catch((error: unknown) => log(`stopping PostgreSQL: ${String(error)}`));
    // The smoke run keeps nothing; a full run's temp dir holds only logs and the SQLite file.
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
