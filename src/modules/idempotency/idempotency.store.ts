import type { Store } from '../../db/connect.js';
import type { Db } from '../../db/database.js';

/** A request that carries an Idempotency-Key, as the key remembers it. */
export interface KeyedRequest {
  accountId: string;
  key: string;
  /** SHA-256 of method, path and body: a repeat must match it. */
  fingerprint: string;
  method: string;
  path: string;
}

export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
}

export type ClaimOutcome =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'inProgress' }
  | { kind: 'mismatch'; method: string; path: string };

/**
 * Takes the key for this request, in one transaction (docs/operations.md "Retries and idempotency"): a new
 * key is this request's to run; a key first used for another method, path or body is a
 * mismatch; a key with an answer is replayed; a key whose first request still runs is in
 * progress — unless its node's lease ran out (the node died mid-request), when this request
 * takes it over and runs. The primary key makes exactly one of two racing requests the first.
 */
export function claimKey(store: Store, request: KeyedRequest, now: Date, leaseMs: number): Promise<ClaimOutcome> {
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  return store.write(async ({ db }) => {
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        account_id: request.accountId,
        key: request.key,
        fingerprint: request.fingerprint,
        method: request.method,
        path: request.path,
        created_at: at,
        lease_until: leaseUntil,
        response_status: null,
        response_type: null,
        response_body: null,
      })
      .onConflict((conflict) => conflict.columns(['account_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return { kind: 'claimed' };
    const row = await store.dialect
      .locked(
        db
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('account_id', '=', request.accountId)
          .where('key', '=', request.key),
      )
      .executeTakeFirstOrThrow();
    if (row.fingerprint !== request.fingerprint) return { kind: 'mismatch', method: row.method, path: row.path };
    if (row.response_status !== null) {
      return {
        kind: 'replay',
        response: {
          status: row.response_status,
          contentType: row.response_type ?? 'application/json; charset=utf-8',
          body: row.response_body ?? '',
        },
      };
    }
    if (Date.parse(row.lease_until) > now.getTime()) return { kind: 'inProgress' };
    await db
      .updateTable('idempotency_keys')
      .set({ lease_until: leaseUntil })
      .where('account_id', '=', request.accountId)
      .where('key', '=', request.key)
      .execute();
    return { kind: 'claimed' };
  });
}

/** The first request's answer, kept with its key until the purge. */
export async function recordResponse(
  store: Store,
  accountId: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await store.write(({ db }) =>
    db
      .updateTable('idempotency_keys')
      .set({ response_status: response.status, response_type: response.contentType, response_body: response.body })
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .execute(),
  );
}

/** Gives the key back unanswered: the request did not run to an answer worth repeating, so a retry runs it. */
export async function releaseKey(store: Store, accountId: string, key: string): Promise<void> {
  await store.write(({ db }) =>
    db
      .deleteFrom('idempotency_keys')
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .where('response_status', 'is', null)
      .execute(),
  );
}

/** Deletes up to about `limit` keys made before `before` (ISO time), oldest first; returns how many went. */
export async function purgeKeysBefore(db: Db, before: string, limit: number): Promise<number> {
  // The created_at of the limit-th oldest key bounds one round (the index answers it).
  const bound = db
    .selectFrom('idempotency_keys')
    .select('created_at')
    .orderBy('created_at')
    .limit(1)
    .offset(limit - 1);
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', before)
    .where((eb) => eb.or([eb('created_at', '<=', bound), eb.not(eb.exists(bound))]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
