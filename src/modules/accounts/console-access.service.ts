import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../../db/connect.js';
import type { ConsoleRole } from '../../db/database.js';
import { AppError, invalid } from '../../errors.js';
import { durationSeconds } from '../../validation.js';
import { getAccount } from './accounts.service.js';
import { endSession, insertLink, insertSession, liveSession, useLink } from './console-access.store.js';

export const CONSOLE_ROLES: readonly ConsoleRole[] = ['viewer', 'editor'];
/** A signed-in session lasts this long, then the user asks for a new link. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** A sign-in link stays usable 1 minute to 1 day. */
const LINK_TTL = { min: 60, max: 86_400, range: '1 minute to 1 day' };

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

export interface ConsoleSession {
  accountId: string;
  role: ConsoleRole;
  /** Names the session in history entries: `console <role> <label>`. */
  label: string;
  csrfToken: string;
  expiresAt: string;
}

/**
 * A one-time sign-in link's token (`patron console link`): the store keeps its hash only, so a
 * copy of the database cannot sign anyone in.
 */
export async function createSignInToken(
  store: Store,
  accountId: string,
  role: string,
  ttl: string,
): Promise<{ token: string; expiresAt: string }> {
  if (!(CONSOLE_ROLES as readonly string[]).includes(role))
    throw invalid('role', `must be one of ${CONSOLE_ROLES.join(', ')}`);
  await getAccount(store, accountId);
  const token = secret();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + durationSeconds(ttl, LINK_TTL) * 1000).toISOString();
  await store.write(({ db }) =>
    insertLink(db, {
      token_hash: hash(token),
      account_id: accountId,
      role: role as ConsoleRole,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      used_at: null,
    }),
  );
  return { token, expiresAt };
}

/**
 * Uses a link (once: the update that marks it used is what decides) and opens a session; answers
 * the session's cookie value.
 */
export async function signIn(store: Store, token: string): Promise<{ sessionId: string; session: ConsoleSession }> {
  const now = new Date();
  const sessionId = secret();
  const session = await store.write(async ({ db }) => {
    const used = await useLink(db, hash(token), now.toISOString());
    if (!used) return undefined;
    const opened: ConsoleSession = {
      accountId: used.account_id,
      role: used.role,
      // From the hash, not the secret: history entries must not carry any of the cookie's value.
      label: `session ${hash(sessionId).slice(0, 8)}`,
      csrfToken: secret(),
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    };
    await insertSession(db, {
      id_hash: hash(sessionId),
      account_id: opened.accountId,
      role: opened.role,
      label: opened.label,
      csrf_token: opened.csrfToken,
      created_at: now.toISOString(),
      expires_at: opened.expiresAt,
      ended_at: null,
    });
    return opened;
  });
  if (!session)
    throw new AppError(
      'invalidSecretKey',
      'This sign-in link is unknown, expired or already used: ask for a new one (patron console link).',
    );
  return { sessionId, session };
}

/** The live session a cookie names, if any. */
export async function sessionOf(store: Store, sessionId: string | undefined): Promise<ConsoleSession | undefined> {
  if (!sessionId) return undefined;
  const row = await liveSession(store.db, hash(sessionId), new Date().toISOString());
  return (
    row && {
      accountId: row.account_id,
      role: row.role,
      label: row.label,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    }
  );
}

export async function signOut(store: Store, sessionId: string): Promise<void> {
  await store.write(({ db }) => endSession(db, hash(sessionId), new Date().toISOString()));
}
