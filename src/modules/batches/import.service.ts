import { createWriteStream } from 'node:fs';
import type { Store } from '../../db/connect.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import { upsertItem } from './batches.service.js';
import { readImportRows } from './import-rows.js';

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
): Promise<ImportSummary> {
  const started = performance.now();
  const rejected = createWriteStream(rejectedFile);
  const summary = { rows: 0, imported: 0, rejected: 0 };
  const reject = (row: number, source: unknown, code: number | null, reason: string) => {
    summary.rejected++;
    rejected.write(`${JSON.stringify({ row, code, reason, input: source })}\n`);
  };
  try {
    for await (const row of readImportRows(file)) {
      summary.rows++;
      if ('problem' in row) reject(row.row, row.source, null, row.problem);
      else {
        const outcome = await upsertItem(store, account, row.request);
        if (outcome.errorCode === null) summary.imported++;
        else reject(row.row, row.source, outcome.errorCode, outcome.errorMessage ?? 'rejected');
      }
      onRow(summary.rows);
    }
  } finally {
    await new Promise<void>((resolve) => rejected.end(resolve));
  }
  return { ...summary, seconds: (performance.now() - started) / 1000, rejectedFile };
}
