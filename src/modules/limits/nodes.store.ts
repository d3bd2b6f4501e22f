import type { Db } from '../../db/database.js';

/** The SQL of the node registry (table patron_nodes): one row per live node, its heartbeat. */

export async function recordBeat(
  db: Db,
  node: { id: string; role: 'serve' | 'import'; seenAt: string; bulk: number },
): Promise<void> {
  await db
    .insertInto('patron_nodes')
    .values({ id: node.id, role: node.role, seen_at: node.seenAt, bulk: node.bulk })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ seen_at: node.seenAt, bulk: node.bulk }))
    .execute();
}

export async function forgetNodesBefore(db: Db, before: string): Promise<void> {
  await db.deleteFrom('patron_nodes').where('seen_at', '<', before).execute();
}

export async function removeNode(db: Db, id: string): Promise<void> {
  await db.deleteFrom('patron_nodes').where('id', '=', id).execute();
}

export async function nodesSeenSince(
  db: Db,
  since: string,
): Promise<Array<{ id: string; role: 'serve' | 'import'; bulk: number }>> {
  return db.selectFrom('patron_nodes').select(['id', 'role', 'bulk']).where('seen_at', '>', since).execute();
}
