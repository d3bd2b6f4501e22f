import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function profileSplits(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      // Profiles an unmerge made of one, both ways round: an identifier one of them holds is not
      // a conflict for the other (README "Unmerge").
      await db.schema
        .createTable('profile_splits')
        .addColumn('gameball_id', dialect.serialRefType, (c) =>
          c.notNull().references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('sibling_gameball_id', dialect.serialRefType, (c) =>
          c.notNull().references('profiles.gameball_id').onDelete('cascade'),
        )
        .addColumn('created_at', dialect.timestampType, (c) => c.notNull())
        .addPrimaryKeyConstraint('profile_splits_pk', ['gameball_id', 'sibling_gameball_id'])
        .execute();
      await db.schema
        .createIndex('profile_splits_sibling')
        .on('profile_splits')
        .column('sibling_gameball_id')
        .execute();
    },
  };
}
