import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after } from 'node:test';
import { runPatron } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import type { RunningServer } from '../../src/server.js';
import { PROJECT_ROOT } from './project-root.js';
import { TEST_MASTER_KEY_TEXT } from './store.js';

export { PROJECT_ROOT };
const ENTRY = join(PROJECT_ROOT, 'dist/cli/main.js');
/** Touched by every `npm run build` (see package.json), even when tsc had nothing to rewrite. */
const BUILD_STAMP = join(PROJECT_ROOT, 'dist/.built');

/** Newest modification time of the sources under dir. */
function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) => {
      const path = join(dir, e.name);
      return e.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    }),
  );
}

/**
 * The compiled CLI, as users run it (`npm test` builds it once per run): a process start costs
 * ~0.8 s instead of ~2 s through tsx. A build older than the sources would test old code.
 * Checked when a test first starts a process, so in-process tests need no build.
 */
let checkedBuild = false;
function builtCli(): string[] {
  if (checkedBuild) return [ENTRY];
  let built = 0;
  try {
    statSync(ENTRY);
    built = statSync(BUILD_STAMP).mtimeMs;
  } catch {
    // not built
  }
  if (built < newestSource(join(PROJECT_ROOT, 'src'))) {
    throw new Error(
      `${ENTRY} is missing or older than src/: run \`npm run build\` (npm test does) before process tests`,
    );
  }
  checkedBuild = true;
  return [ENTRY];
}

/**
 * The environment a `patron` command sees: the test runner's own without its PATRON_/DATABASE
 * settings, with the test stores' master key (an empty PATRON_MASTER_KEY in `extra` means none).
 */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('PATRON_') && !['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'NODE_TEST_CONTEXT'].includes(k),
    ),
  );
  return { ...env, PATRON_MASTER_KEY: TEST_MASTER_KEY_TEXT, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Captured output of an in-process command, and the io that captures it. */
function capturingIo(env: Record<string, string>, keepServing: CliIo['keepServing']) {
  const captured = { stdout: '', stderr: '' };
  const io: CliIo = {
    env: cleanEnv(env),
    out: (text) => void (captured.stdout += text),
    err: (text) => void (captured.stderr += text),
    errStream: new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        captured.stderr += String(chunk);
        done();
      },
    }),
    exitCode: 0,
    keepServing,
  };
  return { io, captured };
}

/**
 * Runs `patron <args>` to completion in this process: the same program, flags, output and exit
 * code as the binary (src/cli/program.ts), without a node start (~0.8 s) per command. What only
 * the process shows (its exit status, signals) is tested with runCliProcess in test/e2e/.
 */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const { io, captured } = capturingIo(env, (server) => {
    void server.close();
    throw new Error(
      'runCli runs commands to completion: start a node with startNode (in-process) or startServe (a process)',
    );
  });
  const code = await runPatron(args, io);
  return { code, ...captured };
}

/** Runs the built `patron <args>` binary as a process to completion. */
export function runCliProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...builtCli(), ...args], {
      cwd: PROJECT_ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running Patron node: in this process (startNode) or a `patron serve` process (startServe). */
export interface PatronNode {
  baseUrl: string;
  /** What the node printed so far (its keys on a first start; a process's logs too). */
  output(): string;
  stop(): Promise<unknown>;
}

/**
 * A whole Patron node in this process: `patron serve` itself (migrations, default account,
 * workers, registry, what it prints) on a free port, configured from `env` as the process would
 * be, stopped gracefully when the file ends. For anything that is not about the process itself.
 */
export async function startNode(env: Record<string, string>): Promise<PatronNode> {
  let running: RunningServer | undefined;
  // Silent: a node in the test process would write its logs into the runner's TAP stream.
  const { io, captured } = capturingIo(
    { PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'silent' },
    (server) => (running = server),
  );
  const code = await runPatron(['serve'], io);
  if (!running) throw new Error(`patron serve did not start (exit ${code}): ${captured.stdout}\n${captured.stderr}`);
  const server: RunningServer = running;
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= server.close());
  after(stop);
  return { baseUrl: server.url, output: () => captured.stdout, stop };
}

export interface ServeProcess extends PatronNode {
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `patron serve` as a process on a free port and waits until it says where it listens. */
export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...builtCli(), 'serve'], {
    cwd: PROJECT_ROOT,
    env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    // eslint-disable-next-line no-restricted-globals -- a bound on the start, not a sleep
    const timer = setTimeout(() => reject(new Error(`patron serve did not start: ${stdout}\n${stderr}`)), 30_000);
    const check = () => {
      const match = /Patron listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`patron serve exited with ${code}: ${stdout}\n${stderr}`));
    });
  });
  let stopping = false;
  // A node that dies on its own is a finding: say how, so a failing test shows why.
  child.on('exit', (code, signal) => {
    if (!stopping)
      console.log(
        `# patron serve (${baseUrl}) exited on its own: code ${code}, signal ${signal}\n# ${stderr.slice(-2000).replace(/\n/g, '\n# ')}`,
      );
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  after(() => stop('SIGKILL'));
  return { child, baseUrl, output: () => stdout, stop };
}
