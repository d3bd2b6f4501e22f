import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../db/connect.js';
import { AppError } from '../errors.js';
import { authenticate } from '../modules/accounts/index.js';
import type { AccountRecord, ApiVersion } from '../modules/accounts/index.js';

export type AuthLevel = 'apiKey' | 'apiKey+secretKey';

declare module 'fastify' {
  interface FastifyRequest {
    account: AccountRecord;
    /** Set when a verified X-GB-TOKEN authorised the call: the customer it is for. */
    sessionCustomerId: string | undefined;
  }
  interface FastifyContextConfig {
    auth?: AuthLevel;
    /** On API v4.1, an X-GB-TOKEN may stand in for the secretKey (the mobile SDKs' operations). */
    sessionToken?: boolean;
  }
}

const V40 = '/api/v4.0/';
const V41 = '/api/v4.1/';
const CALLED_AS_V41 = Symbol('patron.calledAsV41');
type TaggedRequest = IncomingMessage & { [CALLED_AS_V41]?: true };

/**
 * API v4.1 serves every v4.0 path with the version changed: the URL is routed as v4.0 and the
 * request remembers how it was called, for the key rules of v4.1. Every operation is thereby
 * served under both versions, with nothing registered twice.
 */
export function routeV41AsV40(raw: IncomingMessage): string {
  const url = raw.url ?? '/';
  if (!url.startsWith(V41)) return url;
  (raw as TaggedRequest)[CALLED_AS_V41] = true;
  return `${V40}${url.slice(V41.length)}`;
}

export function apiVersionOf(request: FastifyRequest): ApiVersion | undefined {
  if ((request.raw as TaggedRequest)[CALLED_AS_V41]) return '4.1';
  return request.url.startsWith(V40) ? '4.0' : undefined;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  // Node lower-cases header names, so the mobile SDK's `APIKey` arrives as `apikey`.
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** An onRequest hook for routes whose config names an auth level; sets request.account. */
export function authHook(store: Store) {
  return async (request: FastifyRequest): Promise<void> => {
    const { auth, sessionToken } = request.routeOptions.config;
    if (!auth) return;
    const apiVersion = apiVersionOf(request);
    const acceptsSessionToken = sessionToken === true && apiVersion === '4.1';
    const { account, sessionCustomerId } = await authenticate(
      store,
      {
        apiKey: header(request, 'apikey'),
        secretKey: header(request, 'secretkey'),
        ...(acceptsSessionToken && { sessionToken: header(request, 'x-gb-token') }),
      },
      { needsSecret: auth === 'apiKey+secretKey', apiVersion, acceptsSessionToken },
    );
    request.account = account;
    request.sessionCustomerId = sessionCustomerId;
  };
}

/** The customer a call is about: the path's customerId, else the body's. */
function customerOfCall(request: FastifyRequest): string | undefined {
  const fromPath = (request.params as { customerId?: unknown } | undefined)?.customerId;
  const fromBody = (request.body as { customerId?: unknown } | undefined)?.customerId;
  const id = typeof fromPath === 'string' ? fromPath : fromBody;
  return typeof id === 'string' ? id.trim() : undefined;
}

/** A preHandler (after validation, so the body is known): a session token is for one customer only. */
export async function sessionCustomerHook(request: FastifyRequest): Promise<void> {
  if (request.sessionCustomerId === undefined) return;
  if (customerOfCall(request) !== request.sessionCustomerId) {
    throw new AppError(
      'sessionTokenMismatch',
      "The X-GB-TOKEN session token's customerId is not the customerId of this call: a token acts for its own customer only.",
    );
  }
}
