import type { Insertable, Selectable } from 'kysely';
import type { ConsoleLinksTable, ConsoleSessionsTable, Db } from '../../db/database.js';

/** The SQL of console access: one-time sign-in links and the sessions they open (hashes only). */

export async function insertLink(db: Db, link: Insertable<ConsoleLinksTable>): Promise<void> {
  await db.insertInto('console_links').values(link).execute();
}

/** Marks a live, unused link used; answers whose it was, or undefined (unknown, expired, used). */
export async function useLink(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<Pick<Selectable<ConsoleLinksTable>, 'account_id' | 'role'> | undefined> {
  return db
    .updateTable('console_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['account_id', 'role'])
    .executeTakeFirst();
}

export async function insertSession(db: Db, session: Insertable<ConsoleSessionsTable>): Promise<void> {
  await db.insertInto('console_sessions').values(session).execute();
}

export async function liveSession(
  db: Db,
  idHash: string,
  now: string,
): Promise<Selectable<ConsoleSessionsTable> | undefined> {
  return db
    .selectFrom('console_sessions')
    .selectAll()
    .where('id_hash', '=', idHash)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function endSession(db: Db, idHash: string, now: string): Promise<void> {
  await db.updateTable('console_sessions').set({ ended_at: now }).where('id_hash', '=', idHash).execute();
}
