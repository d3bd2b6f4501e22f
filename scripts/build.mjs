#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ and the client package (incrementally) and stamps the build, so tests can tell
// a dist/ older than the sources even when tsc had nothing to rewrite.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs tsc on a project; its diagnostics are printed, and a failed compile rejects. */
async function tsc(project) {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(root, project)],
      { cwd: root },
    );
    process.stdout.write(stdout);
  } catch (error) {
    process.stdout.write(error.stdout ?? '');
    process.stderr.write(error.stderr ?? '');
    throw new Error(`tsc -p ${project} failed`);
  }
}

const STAMP = join(root, 'dist', '.built');
/** What a build reads: a stamp newer than all of it means tsc would rewrite nothing. */
const BUILD_INPUTS = [
  'src',
  'packages/client/src',
  'tsconfig.json',
  'tsconfig.build.json',
  'packages/client/tsconfig.json',
];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** `npm run build` (and npm install's prepare): Patron in dist/, and the client package in packages/client/dist/. */
export async function build() {
  await Promise.all([tsc('tsconfig.build.json'), tsc('packages/client/tsconfig.json')]);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

/**
 * npm test's build: none when the stamp is newer than every input (a plain clone was just built by
 * npm ci's prepare) — an unchanged incremental tsc still takes ~4 s on the suite's critical path.
 */
export async function buildIfChanged() {
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  if (built > Math.max(...BUILD_INPUTS.map((input) => newest(join(root, input))))) return;
  await build();
}

/** Where `npm test` compiles what the tests load. */
export const TEST_BUILD = join(root, 'node_modules', '.cache', 'patron-tests');

// What tests import: the sources, the tests, and the bench and scripts modules some tests exercise.
const TEST_SOURCES = ['src', 'test', 'packages/client/src', 'bench', 'scripts'];

/**
 * Compiles the tests with the sources they import, so test processes load plain JavaScript:
 * through tsx's loader hooks every module a test imports, node_modules included, costs a round
 * trip to the hooks thread — about 0.7 s of CPU per test file. esbuild strips the types file by
 * file in about a second where tsc took ~10 s on the suite's critical path; types are checked by
 * `npm run typecheck` (CI runs it beside the suite).
 */
export async function buildTests() {
  const { build: esbuild } = await import('esbuild');
  const entryPoints = TEST_SOURCES.flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(root, dir, file)),
  );
  await esbuild({
    entryPoints,
    outdir: TEST_BUILD,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    logLevel: 'warning',
  });
}
