import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

/** One row of an import file: its 1-based row number, the request it maps to, or why it cannot. */
export type ImportRow = { row: number; source: unknown } & ({ request: Record<string, unknown> } | { problem: string });

const TOP_LEVEL = ['customerId', 'email', 'mobile', 'deviceToken', 'osType', 'pushProvider', 'referrerCode'] as const;
const TEXT_ATTRIBUTES = [
  'displayName',
  'firstName',
  'lastName',
  'gender',
  'dateOfBirth',
  'joinDate',
  'country',
  'city',
  'zip',
  'preferredLanguage',
  'source',
  'lastOrderDate',
  'channel',
] as const;
const NUMBER_ATTRIBUTES = ['totalOrders', 'totalSpent', 'avgOrderAmount'] as const;
const JSON_ATTRIBUTES = ['utms', 'devices'] as const;

/** Every column a CSV may have; `custom.<key>` and `attr.<key>` columns are open-ended. */
export const CSV_COLUMNS = [
  ...TOP_LEVEL,
  'guest',
  ...TEXT_ATTRIBUTES,
  ...NUMBER_ATTRIBUTES,
  'paymentMethods',
  ...JSON_ATTRIBUTES,
];

export function unknownColumns(header: string[]): string[] {
  return header.filter((c) => !(CSV_COLUMNS as string[]).includes(c) && !/^(custom|attr)\.[^.]+/.test(c));
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/**
 * A CSV record → an upsert request. Empty cells are left out (never null), so an import only sets
 * what the file has. Numbers that do not parse are passed on as text and rejected by the same
 * validation as the API, naming the field.
 */
export function csvRecordToRequest(record: Record<string, string>): Record<string, unknown> | string {
  const request: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(record)) {
    const value = raw.trim();
    if (value === '') continue;
    if ((TOP_LEVEL as readonly string[]).includes(column)) request[column] = value;
    else if (column === 'guest') {
      const flag = BOOLEANS[value.toLowerCase()];
      if (flag === undefined) return `guest must be true/false (or 1/0, yes/no), got "${value}"`;
      request.guest = flag;
    } else if ((TEXT_ATTRIBUTES as readonly string[]).includes(column)) attributes[column] = value;
    else if ((NUMBER_ATTRIBUTES as readonly string[]).includes(column))
      attributes[column] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    else if (column === 'paymentMethods')
      attributes.paymentMethods = value
        .split(';')
        .map((m) => m.trim())
        .filter(Boolean);
    else if ((JSON_ATTRIBUTES as readonly string[]).includes(column)) {
      try {
        attributes[column] = JSON.parse(value);
      } catch {
        return `${column} must be a JSON array, got "${value.slice(0, 40)}"`;
      }
    } else if (column.startsWith('custom.')) custom[column.slice('custom.'.length)] = value;
    else if (column.startsWith('attr.')) attributes[column.slice('attr.'.length)] = value;
  }
  if (Object.keys(custom).length > 0) attributes.custom = custom;
  if (Object.keys(attributes).length > 0) request.customerAttributes = attributes;
  return request;
}

async function* csvRows(file: string): AsyncGenerator<ImportRow> {
  const parser = createReadStream(file).pipe(
    parse({ columns: true, skip_empty_lines: true, bom: true, relax_column_count: false }),
  );
  let row = 0;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    row++;
    if (row === 1) {
      const unknown = unknownColumns(Object.keys(record));
      if (unknown.length > 0) {
        throw new Error(
          `Unknown column(s) ${unknown.join(', ')}. Known: ${CSV_COLUMNS.join(', ')}, custom.<key>, attr.<key>.`,
        );
      }
    }
    const mapped = csvRecordToRequest(record);
    yield typeof mapped === 'string'
      ? { row, source: record, problem: mapped }
      : { row, source: record, request: mapped };
  }
}

async function* jsonlRows(file: string): AsyncGenerator<ImportRow> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    row++;
    if (line.trim() === '') continue;
    try {
      const parsed: unknown = JSON.parse(line);
      yield typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? { row, source: parsed, request: parsed as Record<string, unknown> }
        : { row, source: line, problem: 'the line is not a JSON object' };
    } catch {
      yield { row, source: line, problem: 'the line is not valid JSON' };
    }
  }
}

/** The rows of a .csv or .jsonl/.ndjson file, streamed. */
export function readImportRows(file: string): AsyncGenerator<ImportRow> {
  if (/\.csv$/i.test(file)) return csvRows(file);
  if (/\.(jsonl|ndjson)$/i.test(file)) return jsonlRows(file);
  throw new Error(`Cannot import ${file}: use a .csv or a .jsonl (one JSON request per line) file.`);
}

/** Lines in the file, for the progress bar's total (a CSV's header is not a row). */
export async function countRows(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    // indexOf, not a loop over the bytes: it counts a 60 MB file in milliseconds, not a second.
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    last = chunk[chunk.length - 1] ?? last;
  }
  if (last !== 10) lines++;
  return /\.csv$/i.test(file) ? Math.max(0, lines - 1) : lines;
}
