import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/main.ts')];

/** The environment without the test runner's own PATRON_/DATABASE settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATRON_') && !['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'NODE_TEST_CONTEXT'].includes(k)));
  return { ...env, ...extra };
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
