import { sql } from 'kysely';
import type { Store } from '../../src/db/connect.js';
import type { TestStoreKind } from './store.js';

/** The database's own plan for a statement, as text. */
export async function queryPlan(store: Store, kind: TestStoreKind, statement: string): Promise<string> {
  if (kind === 'sqlite') {
    const rows = await sql.raw<{ detail: string }>(`explain query plan ${statement}`).execute(store.db);
    return rows.rows.map((r) => r.detail).join('\n');
  }
  // Few rows in a test table: tell the planner to plan as it would for a large one.
  return store.write(async ({ db }) => {
    await sql.raw('set local enable_seqscan = off').execute(db);
    const rows = await sql.raw<{ 'QUERY PLAN': string }>(`explain ${statement}`).execute(db);
    return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
