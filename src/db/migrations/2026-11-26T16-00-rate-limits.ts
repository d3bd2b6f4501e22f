import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function rateLimits(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // Per-account limits in requests (or batch items) per second; 0: no limit (README "Rate limits").
      for (const column of ['rate_limit_writes', 'rate_limit_reads', 'rate_limit_bulk']) {
        await db.schema
          .alterTable('accounts')
          .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      }
      // The nodes alive now, by heartbeat: each takes its share of an account's limits.
      await db.schema
        .createTable('patron_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // `serve`: answers HTTP and runs batches; `import`: a `patron import` while it runs.
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('seen_at', dialect.timestampType, (c) => c.notNull())
        // 1: the node ran batch or import items since its last heartbeat (it shares the bulk budget).
        .addColumn('bulk', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
