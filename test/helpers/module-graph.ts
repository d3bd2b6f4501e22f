import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from './project-root.js';

/**
 * The shape of src/ as the architecture page draws it (docs/architecture.md): which module
 * imports which, and which file touches which table. Read from the source, so the page and the
 * lint rules are checked against the code, not remembered.
 */

const SRC = join(PROJECT_ROOT, 'src');

export function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `src/modules/<name>/…` → name; anything else is not a module. */
export function moduleOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts[0] === 'modules' && parts.length > 2 ? parts[1] : undefined;
}

/** The files a source file imports (relative imports only, `.js` written for the `.ts`). */
export function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

/** Module → the modules it imports, as sorted "a --> b" lines. */
export function moduleEdges(): string[] {
  const edges = new Set<string>();
  for (const file of sourceFiles()) {
    const from = moduleOf(file);
    if (from === undefined) continue;
    for (const target of importsOf(file)) {
      const to = moduleOf(target);
      if (to !== undefined && to !== from) edges.add(`${from} --> ${to}`);
    }
  }
  return [...edges].sort();
}

/** A cycle among the edges, as the modules along it, or undefined. */
export function findCycle(edges: readonly string[]): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const [from, to] = edge.split(' --> ') as [string, string];
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const done = new Set<string>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (path.includes(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return undefined;
    for (const to of next.get(node) ?? []) {
      const cycle = visit(to, [...path, node]);
      if (cycle) return cycle;
    }
    done.add(node);
    return undefined;
  };
  for (const node of next.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

const KYSELY_TABLE_CALLS = new Set(['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'innerJoin', 'leftJoin']);

/**
 * The tables a file touches: named after FROM/INTO/UPDATE/JOIN in its string literals (SQL text)
 * or as the table of a Kysely builder call. Comments do not count.
 */
export function tablesTouchedBy(file: string, tables: readonly string[]): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const texts: string[] = [];
  const kyselyTables: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) texts.push(node.text);
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const [first] = node.arguments;
      if (KYSELY_TABLE_CALLS.has(node.expression.name.text) && first && ts.isStringLiteralLike(first)) {
        kyselyTables.push(first.text.split(' ')[0]!);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const sql = texts.join('\n');
  return tables.filter(
    (table) => kyselyTables.includes(table) || new RegExp(`\\b(from|into|update|join)\\s+${table}\\b`, 'i').test(sql),
  );
}
