/**
 * What a DATABASE_URL names: the embedded store's file (`sqlite:<path>`, `:memory:` included) or
 * a PostgreSQL server (`postgres://…`). Every reader of the URL asks here.
 */
export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export function parseDatabaseUrl(url: string): DatabaseTarget | undefined {
  if (/^sqlite:./.test(url)) return { kind: 'sqlite', path: url.slice('sqlite:'.length) };
  if (/^postgres(ql)?:\/\/./.test(url)) return { kind: 'postgres', url };
  return undefined;
}
