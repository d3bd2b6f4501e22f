import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function batches(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('batch_jobs')
        .addColumn('id', dialect.serialKey, dialect.serialPrimaryKey)
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total_items', 'integer', (c) => c.notNull())
        .addColumn('processed_items', 'integer', (c) => c.notNull())
        .addColumn('failed_items', 'integer', (c) => c.notNull())
        .addColumn('stop_requested', dialect.boolType, (c) => c.notNull())
        // A node works on a job only while it holds an unexpired claim: one node at a time.
        .addColumn('claimed_until', dialect.timestampType)
        .addColumn('message', 'text')
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('updated_at', dialect.timestampType, (c) => c.notNull())
        .addColumn('finished_at', dialect.timestampType)
        .execute();
      await db.schema.createIndex('batch_jobs_status').on('batch_jobs').columns(['status', 'id']).execute();

      await db.schema
        .createTable('batch_items')
        .addColumn('job_id', dialect.serialRefType, (c) => c.notNull().references('batch_jobs.id').onDelete('cascade'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('gameball_id', dialect.serialRefType)
        .addColumn('error_code', 'integer')
        .addColumn('error_message', 'text')
        .addPrimaryKeyConstraint('batch_items_pk', ['job_id', 'idx'])
        .execute();
    },
  };
}
