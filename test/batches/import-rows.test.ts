import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countRows } from '../../src/modules/batches/import-rows.js';

test("countRows: a file's rows for the progress bar (a CSV's header is not one; a last line without a newline is)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'count-rows-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.equal(await countRows(file('a.csv', 'customerId\nc-1\nc-2\n')), 2);
  assert.equal(await countRows(file('b.csv', 'customerId\nc-1\nc-2')), 2);
  assert.equal(await countRows(file('c.jsonl', '{"customerId":"c-1"}\n{"customerId":"c-2"}\n{"customerId":"c-3"}')), 3);
  // Past one read chunk (64 KiB): lines counted across chunk boundaries.
  assert.equal(await countRows(file('d.jsonl', '{"customerId":"c"}\n'.repeat(20_000))), 20_000);
  assert.equal(await countRows(file('e.csv', '')), 0);
});
