import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { PROJECT_ROOT } from '../helpers/project-root.js';
import { findCycle, moduleEdges, moduleOf, sourceFiles, tablesTouchedBy } from '../helpers/module-graph.js';

// The rules of docs/architecture.md, read from the code: each table has one owning module and
// only that module's store touches it; modules import each other without cycles; the page's
// module graph is the code's.

/** Every table and its owner, as docs/architecture.md "Modules and what they own" lists them. */
const OWNERS: Record<string, string> = {
  accounts: 'accounts',
  console_links: 'accounts',
  console_sessions: 'accounts',
  profiles: 'customers',
  customer_ids: 'customers',
  profile_splits: 'customers',
  retired_referral_codes: 'customers',
  identity_refusals: 'customers',
  retired_profiles: 'customers',
  profile_changes: 'customers',
  duplicate_keys: 'duplicates',
  duplicate_suggestions: 'duplicates',
  referrals: 'referrals',
  profile_history: 'history',
  webhook_subscriptions: 'webhooks',
  webhook_events: 'webhooks',
  webhook_deliveries: 'webhooks',
  webhook_attempts: 'webhooks',
  batch_jobs: 'batches',
  batch_items: 'batches',
  idempotency_keys: 'idempotency',
  patron_nodes: 'limits',
};

const rel = (file: string): string => relative(PROJECT_ROOT, file);

describe('architecture: ownership and boundaries (docs/architecture.md)', () => {
  test('every table of the schema has an owner', () => {
    const database = readFileSync(join(PROJECT_ROOT, 'src/db/database.ts'), 'utf8');
    const declared = /export interface Database \{([^}]*)\}/.exec(database)![1]!.match(/^\s*(\w+):/gm)!;
    assert.deepEqual(declared.map((line) => line.trim().slice(0, -1)).sort(), Object.keys(OWNERS).sort());
  });

  test("only the owning module's store touches a table", () => {
    const strays: string[] = [];
    for (const file of sourceFiles()) {
      if (rel(file).startsWith(join('src', 'db', 'migrations'))) continue;
      for (const table of tablesTouchedBy(file, Object.keys(OWNERS))) {
        const owned = moduleOf(file) === OWNERS[table] && basename(file).endsWith('.store.ts');
        if (!owned) strays.push(`${rel(file)} touches ${table} (owner: ${OWNERS[table]})`);
      }
    }
    assert.deepEqual(strays, []);
  });

  test('no source file is over 350 lines', () => {
    const long = sourceFiles()
      .map((file) => ({ file: rel(file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 350);
    assert.deepEqual(long, []);
  });

  test('the modules import each other without a cycle', () => {
    assert.equal(findCycle(moduleEdges())?.join(' → '), undefined);
  });

  test('a cycle is found where there is one (negative control)', () => {
    assert.deepEqual(findCycle(['a --> b', 'b --> c', 'c --> a']), ['a', 'b', 'c', 'a']);
  });

  test("the architecture page's module graph is the code's", () => {
    const page = readFileSync(join(PROJECT_ROOT, 'docs/architecture.md'), 'utf8');
    const graph = /```mermaid\nflowchart [A-Z]{2}\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const drawn = graph
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.includes('-->'))
      .sort();
    assert.deepEqual(drawn, moduleEdges(), `draw it as:\n${moduleEdges().join('\n')}`);
  });

  test("lint refuses an import of another module's internals, and of src/http from a service", async () => {
    const eslint = new ESLint({ cwd: PROJECT_ROOT });
    const lint = async (file: string, code: string): Promise<string[]> => {
      const [result] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, file) });
      return result!.messages.map((m) => m.ruleId ?? m.message);
    };
    const deep = "import { listCustomerIds } from '../customers/customers.store.js';\nexport { listCustomerIds };\n";
    assert.deepEqual(await lint('src/modules/tags/tags.service.ts', deep), ['no-restricted-imports']);
    const front = "import { changeProfile } from '../customers/index.js';\nexport { changeProfile };\n";
    assert.deepEqual(await lint('src/modules/tags/tags.service.ts', front), []);
    const fromInterface =
      "import { upsertCustomer } from '../../modules/customers/customers.service.js';\nexport { upsertCustomer };\n";
    assert.deepEqual(await lint('src/http/routes/tags.routes.ts', fromInterface), ['no-restricted-imports']);
    const http = "import { errorResponses } from '../../http/schema-helpers.js';\nexport { errorResponses };\n";
    assert.deepEqual(await lint('src/modules/tags/tags.service.ts', http), ['no-restricted-imports']);
  });

  test('@patron/client stands alone: its own files, node: built-ins and its declared dependencies; lint refuses the rest', async () => {
    const dir = join(PROJECT_ROOT, 'packages', 'client');
    const declared = Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies);
    const strays = readdirSync(join(dir, 'src')).flatMap((name) =>
      ts
        .preProcessFile(readFileSync(join(dir, 'src', name), 'utf8'), true, true)
        .importedFiles.map((i) => i.fileName)
        .filter((from) => !from.startsWith('./') && !from.startsWith('node:') && !declared.includes(from))
        .map((from) => `${name} imports ${from}`),
    );
    assert.deepEqual(strays, []);
    const [result] = await new ESLint({ cwd: PROJECT_ROOT }).lintText(
      "import { AppError } from '../../../src/errors.js';\nexport { AppError };\n",
      { filePath: join(PROJECT_ROOT, 'packages/client/src/errors.ts') },
    );
    assert.deepEqual(
      result!.messages.map((m) => m.ruleId),
      ['no-restricted-imports'],
    );
  });
});
