import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import { PROJECT_ROOT } from '../helpers/project-root.js';
import { sharesProcess, storesOf } from '../helpers/test-plan.js';

// The suite's own rules (test/README.md), held here so that a change to the runner or the lint
// config cannot quietly drop them.

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'helpers' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [relative(PROJECT_ROOT, path)] : [];
  });
}

describe('where a test file runs', () => {
  test('the store follows the place and the name: db/<store>/ on it, *.stores on both, the rest once on SQLite', () => {
    assert.deepEqual(storesOf('test/db/postgres/faults.test.ts'), ['postgres']);
    assert.deepEqual(storesOf('test/db/sqlite/group-commit.test.ts'), ['sqlite']);
    assert.deepEqual(storesOf('test/identity/merging.stores.test.ts'), ['sqlite', 'postgres']);
    assert.deepEqual(storesOf('test/http/openapi.test.ts'), ['sqlite']);
    const all = testFiles(join(PROJECT_ROOT, 'test'));
    assert.ok(all.some((f) => storesOf(f).includes('postgres')) && all.every((f) => storesOf(f).length > 0));
  });

  test('a file that starts a process, a browser or a PostgreSQL of its own gets a process of its own', () => {
    for (const starts of ['startServe', 'runCliProcess', 'sharedBrowser', 'startTestPostgres']) {
      assert.equal(sharesProcess(`const x = await ${starts}(env);`), false, starts);
    }
    assert.equal(sharesProcess("const node = await startNode(env); await runCli(['accounts', 'list'], env);"), true);
    const e2e = testFiles(join(PROJECT_ROOT, 'test', 'e2e'));
    assert.ok(
      e2e.length > 0 && e2e.every((f) => !sharesProcess(readFileSync(join(PROJECT_ROOT, f), 'utf8'))),
      'every process test has its own process',
    );
  });
});

describe('tests never sleep', () => {
  const lint = new ESLint({ cwd: PROJECT_ROOT });
  const sleeps =
    "import { setTimeout as sleep } from 'node:timers/promises';\nawait sleep(10);\nawait new Promise((r) => setTimeout(r, 10));\nsetInterval(() => undefined, 10);\n";
  const rules = async (filePath: string) =>
    (await lint.lintText(sleeps, { filePath: join(PROJECT_ROOT, filePath) }))[0]!.messages.map((m) => m.ruleId);

  test('lint refuses setTimeout, setInterval and timers/promises in a test file', async () => {
    assert.deepEqual((await rules('test/customers/x.test.ts')).sort(), [
      'no-restricted-globals',
      'no-restricted-globals',
      'no-restricted-imports',
    ]);
  });

  test('the one place that waits, helpers/wait.ts, may', async () => {
    assert.deepEqual(await rules('test/helpers/wait.ts'), []);
  });
});

describe('the runtime', () => {
  test('runs on a Node the package supports (engines; CI installs Node 24 LTS)', () => {
    const wanted = Number(
      />=\s*(\d+)/.exec(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).engines.node)![1],
    );
    assert.ok(wanted >= 22, 'Node 20 is past its end of life');
    assert.ok(
      Number(process.versions.node.split('.')[0]) >= wanted,
      `node ${process.versions.node} is older than ${wanted}`,
    );
  });
});
