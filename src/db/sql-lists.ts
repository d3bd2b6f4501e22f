import { ROWS_PER_INSERT, type Dialect, type RowColumn } from './dialect.js';
import type { SqlRunner } from './sql-runner.js';

/** `items` in slices of at most `size`: a statement's parameters stay under the drivers' limits. */
export function inChunks<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** One placeholder (or tuple of them) per item, comma-separated: `?, ?, ?`. */
export const placeholders = (count: number, one = '?'): string => Array<string>(count).fill(one).join(', ');

/** Deletes the rows whose `column` is one of `values`, a few hundred a statement. */
export async function deleteWhereIn(
  sql: SqlRunner,
  table: string,
  column: string,
  values: readonly number[],
): Promise<void> {
  for (const chunk of inChunks(values, 500))
    await sql.run(`delete from ${table} where ${column} in (${placeholders(chunk.length)})`, chunk);
}

/** Inserts `rows` (values in the order of `columns`) with a few multi-row statements (Dialect.rowsInsert). */
export async function insertRows(
  sql: SqlRunner,
  dialect: Dialect,
  table: string,
  columns: readonly RowColumn[],
  rows: readonly unknown[][],
): Promise<void> {
  for (const chunk of inChunks(rows, ROWS_PER_INSERT)) {
    const insert = dialect.rowsInsert(table, columns, chunk.length);
    await sql.run(insert.text, insert.params(chunk));
  }
}
