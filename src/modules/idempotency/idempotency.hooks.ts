import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import { claimKey, recordResponse, releaseKey } from './idempotency.store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as it arrived (JSON bodies only): a repeat with the same key must send the same. */
    rawBody: string | undefined;
    /** Set while this request holds its Idempotency-Key: its answer is kept with the key. */
    heldIdempotencyKey: string | undefined;
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY = 255;
/**
 * How long a node holds a key while its request runs. A node that dies mid-request leaves the
 * key held this long; then a retry runs the request again. Far above any write's duration
 * (statement timeout 5 s, lock waits included).
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Answers kept for a repeat: those of a request that ran (2xx, and 4xx — the same request gets
 * the same refusal). Not kept: 429 and 503 (it did not run) and other 5xx (nothing was written:
 * a store failure rolls the write back), so a retry with the key runs it.
 */
const keepsAnswer = (status: number): boolean => status < 500 && status !== 429;

function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method}\n${request.originalUrl}\n${request.rawBody ?? ''}`)
    .digest('hex');
}

/** The key of a write that carries one, checked; undefined: no key (the request runs as any other). */
function keyOf(request: FastifyRequest): string | undefined {
  if (!WRITES.has(request.method) || !request.routeOptions.config.auth) return undefined;
  const value = request.headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  const key = Array.isArray(value) ? value.join(', ') : value;
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY) {
    throw invalid('Idempotency-Key', `must be 1 to ${MAX_IDEMPOTENCY_KEY} characters (got ${key.length})`);
  }
  return key;
}

/**
 * Idempotency keys on every write of the API, with Stripe's semantics (docs/operations.md "Retries and
 * idempotency"). A preHandler, so the caller is authenticated and the body valid first: a request
 * refused before it could run does not use up its key.
 */
export function registerIdempotency(app: FastifyInstance, store: Store): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = keyOf(request);
    // A dry run writes nothing, its key included (docs/api.md "Dry run").
    if (key === undefined || (request.query as { dryRun?: unknown } | undefined)?.dryRun === true) return;
    const path = request.originalUrl;
    const outcome = await claimKey(
      store,
      { accountId: request.account.id, key, fingerprint: fingerprint(request), method: request.method, path },
      new Date(),
      IDEMPOTENCY_LEASE_MS,
    );
    switch (outcome.kind) {
      case 'claimed':
        request.heldIdempotencyKey = key;
        return;
      case 'replay':
        return reply
          .code(outcome.response.status)
          .type(outcome.response.contentType)
          .header('idempotent-replayed', 'true')
          .send(outcome.response.body);
      case 'inProgress':
        reply.header('retry-after', '1');
        throw new AppError(
          'idempotencyKeyInUse',
          `A request with Idempotency-Key "${key}" is still running; retry after it has been answered.`,
        );
      case 'mismatch': {
        const what =
          outcome.method === request.method && outcome.path === path
            ? 'with another body'
            : `for ${outcome.method} ${outcome.path}`;
        throw new AppError(
          'idempotencyKeyMismatch',
          `Idempotency-Key "${key}" was first used ${what}: a key stands for one request; send a new key for a different one.`,
        );
      }
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.heldIdempotencyKey;
    if (key === undefined) return payload;
    request.heldIdempotencyKey = undefined;
    try {
      if (keepsAnswer(reply.statusCode) && typeof payload === 'string') {
        const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
        await recordResponse(store, request.account.id, key, { status: reply.statusCode, contentType, body: payload });
      } else {
        await releaseKey(store, request.account.id, key);
      }
    } catch (error) {
      // The answer still goes out; the key stays held until its lease ends, then a retry runs.
      request.log.error({ err: error, idempotencyKey: key }, 'could not keep the answer of an idempotent request');
    }
    return payload;
  });
}
