// Child processes of the bench: Patron, the bare Fastify baseline, the patron CLI and the
// forked load/store-loop children. Every child is tracked so that a failure, Ctrl-C or a
// crash of the orchestrator never leaves a server running.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_DIR = path.join(PROJECT_ROOT, 'bench');

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** On any exit of ours, children die with us; Ctrl-C / SIGTERM exit through the same path. */
export function installCleanupHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping children`);
      process.exit(130); // 'exit' kills the children; startTestPostgres's hook stops postgres
    });
  }
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Asks a child to stop and waits; SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The environment minus Patron's own settings, so the caller's shell cannot skew a run. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const dropped = new Set(['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'TEST_DATABASE_URL', 'NODE_OPTIONS']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PATRON_') && !dropped.has(k)),
  );
  return { ...env, ...extra };
}

/** How Patron is run: from the sources through tsx, or compiled JS (what `npm start` runs). */
export type PatronEntry = { kind: 'tsx' } | { kind: 'build'; dir: string };

function cliArgs(entry: PatronEntry): string[] {
  return entry.kind === 'tsx'
    ? ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/cli/main.ts')]
    : [path.join(entry.dir, 'cli/main.js')];
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Everything the process has written so far (stdout and stderr go to one log file). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Spawns a server whose output goes to a file rather than a pipe: Patron logs a line per
 * request, and draining a pipe would cost the orchestrator CPU on a 2-core machine.
 */
async function spawnServer(
  args: string[],
  env: Record<string, string>,
  logFile: string,
  ready: RegExp,
): Promise<ServerProcess> {
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = track(spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: cleanEnv(env), stdio: ['ignore', fd, fd] }));
  } finally {
    closeSync(fd);
  }
  const log = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = ready.exec(log());
    if (match?.[1]) {
      return { child, pid: child.pid ?? 0, url: match[1], log, stop: () => stopChild(child) };
    }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error(
        `${args.join(' ')} did not start (exit ${child.exitCode ?? child.signalCode}):\n${log().slice(-3000)}`,
      );
    }
    await sleep(50);
  }
}

/** Settings every Patron process of the run gets (e.g. history off with `--history off`). */
export const patronSettings: Record<string, string> = {};

export interface PatronOptions {
  entry: PatronEntry;
  databaseUrl: string;
  logFile: string;
  /** Directory for a V8 CPU profile of this process (`node --cpu-prof`), written on exit. */
  cpuProfDir?: string;
  /** Settings of this process only, over patronSettings. */
  settings?: Record<string, string>;
}

export function startPatron({
  entry,
  databaseUrl,
  logFile,
  cpuProfDir,
  settings,
}: PatronOptions): Promise<ServerProcess> {
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  return spawnServer(
    [...prof, ...cliArgs(entry), 'serve'],
    // LOG_LEVEL stays at the production default (info): a request line per request is part of the cost.
    { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', ...patronSettings, ...settings },
    logFile,
    /Patron listening on (http:\/\/\S+)/,
  );
}

export function startBaseline(logFile: string): Promise<ServerProcess> {
  return spawnServer(
    ['--import', 'tsx', path.join(BENCH_DIR, 'baseline-fastify.ts')],
    { PORT: '0' },
    logFile,
    /baseline listening on (http:\/\/\S+)/,
  );
}

/**
 * Compiles src/ so a run measures what `npm start` runs (not tsx). Under node_modules/.cache:
 * packages still resolve from there, and linters and git ignore it. With `ref`, the sources of that
 * commit (`git archive`), so a bench can measure the code before a change beside the code after.
 */
export function buildPatron(ref?: string): PatronEntry {
  const cache = path.join(PROJECT_ROOT, 'node_modules/.cache/patron-bench');
  const dir = path.join(cache, ref ? `build-${ref.replace(/[^\w.-]/g, '_')}` : 'build');
  let project = 'tsconfig.build.json';
  if (ref) {
    const sources = `${dir}-src`;
    rmSync(sources, { recursive: true, force: true });
    mkdirSync(sources, { recursive: true });
    const archive = execFileSync('git', ['archive', ref, 'src', 'tsconfig.json', 'tsconfig.build.json'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', sources], { input: archive });
    project = path.join(sources, 'tsconfig.build.json');
  }
  // Its own build info: the build is incremental, and dist/'s would say there is nothing to emit.
  rmSync(dir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      project,
      '--outDir',
      dir,
      '--tsBuildInfoFile',
      path.join(dir, '.tsbuildinfo'),
    ],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    },
  );
  return { kind: 'build', dir };
}

export interface DefaultAccount {
  apiKey: string;
  /** Batch routes need both keys. */
  secretKey: string;
  accountId: string;
}

/** First start: migrates, creates the `default` account and prints its keys once. */
export function readDefaultAccount(server: ServerProcess): DefaultAccount {
  const out = server.log();
  const apiKey = /^apiKey: (\S+)$/m.exec(out)?.[1];
  const secretKey = /^secretKey: (\S+)$/m.exec(out)?.[1];
  const accountId = /created account "default" \((\S+)\)/.exec(out)?.[1];
  if (!apiKey || !secretKey || !accountId)
    throw new Error(`patron serve printed no default account keys:\n${out.slice(0, 2000)}`);
  return { apiKey, secretKey, accountId };
}

/** Runs `patron <args>` to completion (with `settings` over patronSettings) and returns its stdout; throws on a non-zero exit. */
export function runPatronCli(
  entry: PatronEntry,
  databaseUrl: string,
  args: string[],
  settings: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [...cliArgs(entry), ...args], {
        cwd: PROJECT_ROOT,
        env: cleanEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...patronSettings, ...settings }),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`patron ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/** A forked TypeScript child speaking one request/response message at a time over IPC. */
export interface IpcChild<Req, Res> {
  request(message: Req): Promise<Res>;
  close(): Promise<void>;
}

export function forkTs<Req, Res>(entry: string): IpcChild<Req, Res> {
  const child = track(
    fork(path.join(BENCH_DIR, entry), [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      env: cleanEnv({}),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  let exitReason: string | undefined;
  child.once('exit', (code, signal) => (exitReason = `${entry} exited (${code ?? signal})`));
  return {
    request: (message) =>
      new Promise<Res>((resolve, reject) => {
        if (exitReason) return reject(new Error(exitReason));
        const onExit = () => reject(new Error(exitReason ?? `${entry} exited`));
        child.once('exit', onExit);
        child.once('message', (reply) => {
          child.off('exit', onExit);
          const r = reply as { error?: string; result?: Res };
          if (r.error !== undefined) reject(new Error(`${entry}: ${r.error}`));
          else resolve(r.result as Res);
        });
        child.send(message as object);
      }),
    close: async () => {
      if (child.connected) child.disconnect();
      await stopChild(child, 5_000);
    },
  };
}

/** Serves requests in a forked child: one message in, `{result}` or `{error}` out. */
export function serveIpc<Req, Res>(handle: (message: Req) => Promise<Res>): void {
  process.on('message', (message) => {
    handle(message as Req).then(
      (result) => process.send?.({ result }),
      (error: unknown) =>
        process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  // The parent went away (it finished or crashed): nothing left to do.
  process.on('disconnect', () => process.exit(0));
}

export interface MemorySample {
  /** Largest VmRSS seen by the sampler, MiB. */
  maxRssMb: number;
  /** VmHWM: the kernel's peak resident set of the process lifetime, MiB. */
  hwmMb: number;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's resident set every 250 ms until stopped. */
export function sampleMemory(pid: number): { stop(): MemorySample } {
  let maxKb = statusKb(pid, 'VmRSS');
  const timer = setInterval(() => (maxKb = Math.max(maxKb, statusKb(pid, 'VmRSS'))), 250);
  return {
    stop: () => {
      clearInterval(timer);
      maxKb = Math.max(maxKb, statusKb(pid, 'VmRSS'));
      return { maxRssMb: Math.round(maxKb / 102.4) / 10, hwmMb: Math.round(statusKb(pid, 'VmHWM') / 102.4) / 10 };
    },
  };
}

/**
 * The merging account of the merge workload: merges by email, no cap — the workload joins
 * thousands of channels to a few profiles, and measures merging, not the cap.
 */
export async function createMergeAccount(
  entry: PatronEntry,
  databaseUrl: string,
): Promise<{ id: string; apiKey: string }> {
  const args = ['accounts', 'create', '--name', 'bench-merge', '--merge-by', 'email', '--merge-cap', '0', '--json'];
  return JSON.parse(await runPatronCli(entry, databaseUrl, args)) as { id: string; apiKey: string };
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: fields 14 and 15, in ticks
}

/**
 * Until a server has finished what a workload left it (a write's background work: possible
 * duplicates, checkpoints): under `share` of a core for half a second, or `timeoutMs`. Measuring
 * the next server while one still catches up would charge that one's work to the other.
 */
export async function waitUntilIdle(pid: number, share = 0.05, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(500);
    const now = cpuSeconds(pid);
    if (now - before < share * 0.5) return;
    before = now;
  }
}
