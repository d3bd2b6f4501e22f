import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import type { Store } from '../../db/connect.js';
import type { AccountRecord } from '../accounts/index.js';
import { upsertItems } from './batches.service.js';
import { BulkBudget } from '../limits/index.js';
import { SINGLE_NODE } from '../limits/index.js';
import { readImportRows, type ImportRow } from './import-rows.js';
import { inSpan } from '../../telemetry/index.js';

/** Rows go to the write core in lists of this many: one transaction each. */
const CHUNK = 500;

export interface ImportSummary {
  rows: number;
  imported: number;
  rejected: number;
  seconds: number;
  rejectedFile: string;
}

/**
 * Imports a file row by row through the same path as POST /customers. Rejected rows go to a
 * JSON-lines file with their row number, reason and the row as read, ready to fix and re-import.
 */
export async function importFile(
  store: Store,
  account: AccountRecord,
  file: string,
  rejectedFile: string,
  onRow: (done: number) => void = () => undefined,
  budget: BulkBudget = new BulkBudget(SINGLE_NODE),
): Promise<ImportSummary> {
  const started = performance.now();
  const importName = basename(file);
  const rejected = createWriteStream(rejectedFile);
  const summary = { rows: 0, imported: 0, rejected: 0 };
  const reject = (row: number, source: unknown, code: number | null, reason: string) => {
    summary.rejected++;
    rejected.write(`${JSON.stringify({ row, code, reason, input: source })}\n`);
  };
  let chunk: ImportRow[] = [];
  // Rejections are written in row order, unreadable rows included.
  const flush = async () => {
    const readable = chunk.flatMap((row) => ('request' in row ? [row] : []));
    await budget.take(account, readable.length);
    const outcomes = await inSpan('import chunk', { 'patron.import.rows': chunk.length }, () =>
      upsertItems(
        store,
        account,
        readable.map((row) => row.request),
        (i) => ({ operation: 'import row', requestId: `import ${importName} row ${readable[i]!.row}` }),
        // The operator holds the database: a rejection may say what a secretKey's answer says (3008's gameballIds).
        'secretKey',
      ),
    );
    let next = 0;
    for (const row of chunk) {
      if ('problem' in row) {
        reject(row.row, row.source, null, row.problem);
        continue;
      }
      const outcome = outcomes[next++]!;
      if (outcome.errorCode === null) summary.imported++;
      else reject(row.row, row.source, outcome.errorCode, outcome.errorMessage ?? 'rejected');
    }
    chunk = [];
    onRow(summary.rows);
  };
  // One trace for the whole import: a span per chunk, and their store writes.
  await inSpan('import', { 'patron.account_id': account.id }, async (span) => {
    try {
      for await (const row of readImportRows(file)) {
        summary.rows++;
        chunk.push(row);
        if (chunk.length >= budget.listSize(account, CHUNK)) await flush();
      }
      if (chunk.length > 0) await flush();
      onRow(summary.rows);
    } finally {
      await new Promise<void>((resolve) => rejected.end(resolve));
    }
    span?.setAttributes({ 'patron.import.rows': summary.rows, 'patron.import.rejected': summary.rejected });
  });
  return { ...summary, seconds: (performance.now() - started) / 1000, rejectedFile };
}
