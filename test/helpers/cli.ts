import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { PROJECT_ROOT } from './project-root.js';
import { TEST_MASTER_KEY_TEXT } from './store.js';

export { PROJECT_ROOT };
const ENTRY = join(PROJECT_ROOT, 'dist/cli/main.js');
/** Touched by every `npm run build` (see package.json), even when tsc had nothing to rewrite. */
const BUILD_STAMP = join(PROJECT_ROOT, 'dist/.built');

/** Newest modification time of the sources under dir. */
function newestSource(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
  }));
}

/**
 * The compiled CLI, as users run it (`npm test` builds it once per run): a process start costs
 * ~0.8 s instead of ~2 s through tsx. A build older than the sources would test old code.
 */
const CLI = (() => {
  let built = 0;
  try {
    statSync(ENTRY);
    built = statSync(BUILD_STAMP).mtimeMs;
  } catch {
    // not built
  }
  if (built < newestSource(join(PROJECT_ROOT, 'src'))) {
    throw new Error(`${ENTRY} is missing or older than src/: run \`npm run build\` (npm test does) before CLI tests`);
  }
  return [ENTRY];
})();

/**
 * The environment without the test runner's own PATRON_/DATABASE settings, with the test
 * stores' master key (an empty PATRON_MASTER_KEY in `extra` means none given).
 */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATRON_') && !['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'NODE_TEST_CONTEXT'].includes(k)));
  return { ...env, PATRON_MASTER_KEY: TEST_MASTER_KEY_TEXT, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `patron <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: PROJECT_ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process printed so far (stdout). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `patron serve` on a free port and waits until it says where it listens. */
export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve'], {
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
    if (!stopping) console.log(`# patron serve (${baseUrl}) exited on its own: code ${code}, signal ${signal}\n# ${stderr.slice(-2000).replace(/\n/g, '\n# ')}`);
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  after(() => stop('SIGKILL'));
  return { child, baseUrl, output: () => stdout, stop };
}
