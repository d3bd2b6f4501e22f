// `patron import` of a CSV, as an operator runs it: the compiled CLI on a fresh migrated SQLite
// file, every row through the same rules as the API. Rows are the create workload's customers
// as CSV columns (custom keys as custom.<key>).
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { runPatronCli, type PatronEntry } from './processes.js';
import { prepareFile } from './raw-insert.js';
import { attributesFor, customFor } from './workloads.js';

export interface ImportResult {
  rows: number;
  imported: number;
  rejected: number;
  seconds: number;
  rowsPerSec: number;
}

const ATTRIBUTES = Object.keys(attributesFor(0));
const CUSTOM = Object.keys(customFor(0));
const HEADER = ['customerId', 'email', 'mobile', ...ATTRIBUTES, ...CUSTOM.map((k) => `custom.${k}`)];

const cell = (value: unknown): string => {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export async function writeCsv(file: string, rows: number, tag: string): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${HEADER.join(',')}\n`);
  for (let n = 0; n < rows; n++) {
    const id = `imp-${tag}-${n}`;
    const attributes = attributesFor(n);
    const custom = customFor(n);
    const line = [
      id,
      `${id}@bench.patron.io`,
      `+2011${n.toString().padStart(8, '0')}`,
      ...ATTRIBUTES.map((k) => attributes[k]),
      ...CUSTOM.map((k) => custom[k]),
    ];
    if (!out.write(`${line.map(cell).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** `settings`: Patron settings of this import only (history off, to measure what history costs). */
export async function runImport(
  entry: PatronEntry,
  workDir: string,
  rows: number,
  tag: string,
  settings: Record<string, string> = {},
): Promise<ImportResult> {
  const csv = path.join(workDir, `import-${tag}.csv`);
  const file = path.join(workDir, `import-${tag}.sqlite`);
  await writeCsv(csv, rows, tag);
  const accountId = await prepareFile(file);
  const started = performance.now();
  await runPatronCli(entry, `sqlite:${file}`, ['import', csv, '--account', accountId], settings);
  const seconds = (performance.now() - started) / 1000;
  const rejected = readFileSync(`${csv}.rejected.jsonl`, 'utf8').split('\n').filter(Boolean).length;
  return { rows, imported: rows - rejected, rejected, seconds, rowsPerSec: Math.round(rows / seconds) };
}
