// Result shapes, the targets of the issue, the printed table and the saved JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchResult } from './batch.js';
import type { BenchConfig, StoreName } from './config.js';
import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile-summary.js';
import type { MemorySample } from './processes.js';
import type { ImportResult } from './import-run.js';
import type { RawInsertResult } from './raw-insert.js';
import type { LoopStats, StoreLoopResult } from './store-loop.js';
import type { WorkloadKind } from './workloads.js';

export interface WorkloadResult extends LoadResult {
  kind: WorkloadKind;
  /** Patron's 2xx/s divided by the bare-Fastify baseline's (POST for writes, GET for reads). */
  ratio: number;
}

export interface LevelResult {
  seeded: number;
  /** Profiles of the default account when Patron started (seeded plus those earlier runs created). */
  profilesAtStart: number;
  workloads: WorkloadResult[];
  memory: MemorySample;
  /** The batch workload (first level only), run after the HTTP workloads by the same Patron. */
  batch?: LevelBatch;
  profile?: ProfileSummary;
}

export interface LevelBatch extends BatchResult {
  /** Profiles of the default account when the first batch was submitted. */
  profilesAtStart: number;
}

export interface BaselineRun {
  when: string;
  post: LoadResult;
  get: LoadResult;
}

export interface StoreResult {
  store: StoreName;
  /** Mean bare-Fastify req/s of the baseline runs just before and after this store. */
  baseline?: { postRps: number; getRps: number };
  levels: LevelResult[];
  /** Levels asked for but not run on this store (see --pg-levels). */
  skippedLevels: number[];
  storeLoop?: StoreLoopResult;
  /** SQLite only: raw better-sqlite3 inserts of as many customers as the batch workload wrote. */
  rawInsert?: RawInsertResult;
  /** SQLite only: `patron import` of a CSV into a fresh store. */
  import?: ImportResult;
  seedSec: Record<string, number>;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  ramGiB: number;
  node: string;
  kernel: string;
  loadAvgAtStart: number[];
  loadAvgAtEnd?: number[];
  /** The commit measured, and whether src/ had uncommitted changes (other work in progress). */
  commit: string;
  srcDirty: boolean;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  /** undefined: the level or store the target needs was not run. */
  met: boolean | undefined;
}

export interface BenchResults {
  startedAt: string;
  elapsedSec: number;
  config: BenchConfig;
  machine: Machine;
  baselines: BaselineRun[];
  stores: StoreResult[];
  targets: Target[];
  /** Harness checks that failed (wrong status codes, row counts that do not add up). */
  failures: string[];
}

/** Store i is bracketed by baselines i and i+1 (the smoke run has only the first). */
export function applyRatios(stores: StoreResult[], baselines: BaselineRun[]): void {
  stores.forEach((store, i) => {
    const around = [baselines[i], baselines[i + 1]].filter((b): b is BaselineRun => b !== undefined);
    const mean = (pick: (b: BaselineRun) => number) =>
      Math.round(around.reduce((sum, b) => sum + pick(b), 0) / Math.max(1, around.length));
    store.baseline = { postRps: mean((b) => b.post.rps), getRps: mean((b) => b.get.rps) };
    for (const level of store.levels) {
      for (const w of level.workloads)
        w.ratio = w.rps / Math.max(1, w.kind === 'read' ? store.baseline.getRps : store.baseline.postRps);
    }
  });
}

export function machineInfo(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() it is
  }
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep Node's count
  }
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    srcDirty: git(['status', '--porcelain', '--', 'src']) !== '',
    nproc,
    cpuModel,
    ramGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const r2 = (n: number): number => Math.round(n * 100) / 100;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

function find(
  results: BenchResults,
  store: StoreName,
  seeded: number | 'first' | 'last',
  kind: WorkloadKind,
): WorkloadResult | undefined {
  const levels = results.stores.find((s) => s.store === store)?.levels ?? [];
  const level =
    seeded === 'first'
      ? levels[0]
      : seeded === 'last'
        ? levels[levels.length - 1]
        : levels.find((l) => l.seeded === seeded);
  return level?.workloads.find((w) => w.kind === kind);
}

/** The targets of the latest performance issue (docs/performance.md), each met or missed with the figure behind it. */
export function evaluateTargets(results: BenchResults): Target[] {
  const targets: Target[] = [];
  const ratioTarget = (store: StoreName, kind: WorkloadKind, min: number, label: string) => {
    const w = find(results, store, 'first', kind);
    const base = kind === 'read' ? 'GET' : 'POST';
    const b = results.stores.find((s) => s.store === store)?.baseline;
    targets.push({
      name: `${label} ${kind} vs bare Fastify ${base}`,
      goal: `≥ ${min}`,
      measured: w && b ? `${r2(w.ratio)} (${w.rps} vs ${kind === 'read' ? b.getRps : b.postRps} req/s)` : 'not run',
      met: w ? w.ratio >= min : undefined,
    });
  };
  ratioTarget('sqlite', 'create', 0.45, 'embedded');
  ratioTarget('sqlite', 'update', 0.45, 'embedded');
  ratioTarget('sqlite', 'read', 0.75, 'embedded');
  const embeddedCreate = find(results, 'sqlite', 'first', 'create');
  targets.push({
    name: `embedded create p99 at ${results.config.connections} connections`,
    goal: '≤ 15 ms',
    measured: embeddedCreate ? `${embeddedCreate.latencyMs.p99} ms` : 'not run',
    met: embeddedCreate ? embeddedCreate.latencyMs.p99 <= 15 : undefined,
  });

  const pg = results.stores.find((s) => s.store === 'postgres');
  for (const kind of ['create', 'update'] as const) {
    const raw = pg?.storeLoop?.raw[kind];
    const overHttp = find(results, 'postgres', 'first', kind);
    targets.push({
      name: `PostgreSQL ${kind} over HTTP vs fair raw loop (same rows, same concurrency)`,
      goal: '≥ 0.6',
      measured:
        overHttp && raw ? `${r2(overHttp.rps / raw.opsPerSec)} (${overHttp.rps} vs ${raw.opsPerSec} op/s)` : 'not run',
      met: overHttp && raw ? overHttp.rps / raw.opsPerSec >= 0.6 : undefined,
    });
  }
  targets.push(batchTarget(results, 'sqlite', 25_000), batchTarget(results, 'postgres', 8_000));
  const importRun = results.stores.find((s) => s.store === 'sqlite')?.import;
  targets.push({
    name: `embedded \`patron import\` of a ${importRun ? fmtCount(importRun.rows) : '100k'}-row CSV`,
    goal: '≥ 25000 rows/s',
    measured: importRun
      ? `${importRun.rowsPerSec} rows/s (${importRun.rows} rows in ${r2(importRun.seconds)} s, ${importRun.rejected} rejected)`
      : 'not run',
    met: importRun ? importRun.rowsPerSec >= 25_000 && importRun.rejected === 0 : undefined,
  });

  const MILLION = 1_000_000;
  for (const store of results.config.stores) {
    const label = store === 'sqlite' ? 'embedded' : 'PostgreSQL';
    for (const kind of ['create', 'read'] as const) {
      const small = find(results, store, 'first', kind);
      const big = find(results, store, MILLION, kind);
      const ran = small && big && results.stores.find((s) => s.store === store)?.levels[0]?.seeded !== MILLION;
      targets.push({
        name: `${label} ${kind} p99 at 1M vs p99 at ${results.stores.find((s) => s.store === store)?.levels[0]?.seeded ?? '10k'}`,
        goal: '≤ 1.5×',
        measured: ran
          ? `${r2(big.latencyMs.p99 / Math.max(1, small.latencyMs.p99))}× (${big.latencyMs.p99} vs ${small.latencyMs.p99} ms)`
          : 'not run (no 1M level)',
        met: ran ? big.latencyMs.p99 <= 1.5 * Math.max(1, small.latencyMs.p99) : undefined,
      });
    }
    const million = results.stores.find((s) => s.store === store)?.levels.find((l) => l.seeded === MILLION);
    targets.push({
      name: `${label} Patron peak RSS under load at 1M profiles`,
      goal: '≤ 300 MB',
      measured: million ? `${million.memory.hwmMb} MiB (VmHWM)` : 'not run (no 1M level)',
      met: million ? million.memory.hwmMb <= 300 : undefined,
    });
  }
  return targets;
}

/** The batch targets: new customers/s, beside the raw insert rate where there is one. */
function batchTarget(results: BenchResults, store: StoreName, goal: number): Target {
  const measured = results.stores.find((s) => s.store === store);
  const batch = measured?.levels[0]?.batch;
  const raw = measured?.rawInsert;
  const beside =
    raw && batch ? `; raw insert ${raw.rowsPerSec} rows/s, ratio ${r3(batch.customersPerSec / raw.rowsPerSec)}` : '';
  return {
    name: `${store === 'sqlite' ? 'embedded' : 'PostgreSQL'} batch, new customers/s (batches of ${results.config.batchSize})`,
    goal: `≥ ${goal}/s`,
    measured: batch ? `${batch.customersPerSec}/s (${batch.items} in ${r2(batch.elapsedSec)} s${beside})` : 'not run',
    met: batch ? batch.customersPerSec >= goal : undefined,
  };
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const fmtCount = (n: number): string =>
  n >= 1_000_000 ? `${r2(n / 1_000_000)}M` : n >= 1000 ? `${r2(n / 1000)}k` : String(n);
const loopRow = (store: string, path: string, op: string, s: LoopStats, ratio: string) => [
  store,
  path,
  op,
  s.opsPerSec,
  s.p50Ms,
  s.p99Ms,
  ratio,
];

/** The Markdown tables printed to stdout and pasted into docs/performance.md. */
export function formatResults(results: BenchResults): string {
  const baseRow = (b: BaselineRun, kind: 'POST' | 'GET') => {
    const r = kind === 'POST' ? b.post : b.get;
    return [
      `bare Fastify (${b.when})`,
      '-',
      kind === 'POST' ? 'POST (validate only)' : 'GET (canned body)',
      r.rps,
      '-',
      r.latencyMs.p50,
      r.latencyMs.p99,
      `${r.non2xx}/${r.errors}`,
      '-',
    ];
  };
  const http = table(
    ['store', 'profiles', 'workload', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'non-2xx/err', 'Patron RSS peak MiB'],
    [
      ...results.baselines.flatMap((b) => [baseRow(b, 'POST'), baseRow(b, 'GET')]),
      ...results.stores.flatMap((s) =>
        s.levels.flatMap((l) =>
          l.workloads.map((w) => [
            s.store,
            fmtCount(l.profilesAtStart),
            w.kind,
            w.rps,
            r2(w.ratio),
            w.latencyMs.p50,
            w.latencyMs.p99,
            `${w.non2xx}/${w.errors}`,
            l.memory.hwmMb,
          ]),
        ),
      ),
    ],
  );
  const loops = table(
    ['store', 'path (no HTTP)', 'op', 'op/s', 'p50 ms', 'p99 ms', 'service ÷ raw'],
    results.stores.flatMap((s) => {
      const l = s.storeLoop;
      if (!l) return [];
      return [
        loopRow(
          s.store,
          'Patron upsertCustomer',
          'create',
          l.service.create,
          String(r2(l.service.create.opsPerSec / Math.max(1, l.raw.create.opsPerSec))),
        ),
        loopRow(
          s.store,
          'Patron upsertCustomer',
          'update',
          l.service.update,
          String(r2(l.service.update.opsPerSec / Math.max(1, l.raw.update.opsPerSec))),
        ),
        loopRow(s.store, 'raw: same rows, no rules', 'create', l.raw.create, '1'),
        loopRow(s.store, 'raw: same rows, no rules', 'update', l.raw.update, '1'),
      ];
    }),
  );
  const batches = table(
    [
      'store',
      'profiles',
      'batches',
      'customers',
      'submit s',
      'total s',
      'customers/s',
      'failed items',
      'raw insert rows/s',
      'batch ÷ raw',
    ],
    results.stores.flatMap((s) => {
      const b = s.levels[0]?.batch;
      if (!b) return [];
      const raw = s.rawInsert;
      return [
        [
          s.store,
          fmtCount(b.profilesAtStart),
          `${b.batches} × ${b.batchSize}`,
          b.items,
          r2(b.submitSec),
          r2(b.elapsedSec),
          b.customersPerSec,
          b.failedItems,
          raw?.rowsPerSec ?? '-',
          raw ? r3(b.customersPerSec / raw.rowsPerSec) : '-',
        ],
      ];
    }),
  );
  const targets = table(
    ['target', 'goal', 'measured', 'result'],
    results.targets.map((t) => [
      t.name,
      t.goal,
      t.measured,
      t.met === undefined ? 'not run' : t.met ? 'met' : 'MISSED',
    ]),
  );
  const skipped = results.stores
    .filter((s) => s.skippedLevels.length)
    .map((s) => `${s.store}: levels not run: ${s.skippedLevels.map(fmtCount).join(', ')}`);
  return [
    `HTTP: autocannon, ${results.config.connections} connections, ${results.config.durationSec} s after ${results.config.warmupSec} s warm-up; ratio = Patron ÷ mean of the bare-Fastify runs before and after that store (POST for writes, GET for reads); profile history ${results.config.history ?? 'on'}; load average ${results.machine.loadAvgAtStart[0]} at start, ${results.machine.loadAvgAtEnd?.[0] ?? '?'} at end on ${results.machine.nproc} cores`,
    http,
    '',
    `Store alone: ${results.config.connections} concurrent callers for ${results.config.storeLoopSec} s each, at the first level`,
    loops,
    '',
    `Batch: batches of ${results.config.batchSize} new customers (the create body) submitted back to back over HTTP at the first level, polled until completed; customers/s = customers ÷ (first submit → last job finished). Raw: as many rows inserted straight into profiles + customer_ids of a fresh migrated SQLite file with better-sqlite3 prepared statements, one transaction per ${results.config.batchSize} rows`,
    batches,
    '',
    'Targets',
    targets,
    ...skipped,
  ].join('\n');
}

/** Writes bench/results/<timestamp>.json and latest.json; returns the file written. */
export function saveResults(dir: string, results: BenchResults): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  return file;
}
