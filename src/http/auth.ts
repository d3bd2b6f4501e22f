import type { FastifyRequest } from 'fastify';
import type { Store } from '../db/connect.js';
import { authenticate } from '../modules/accounts/accounts.service.js';
import type { AccountRecord } from '../modules/accounts/accounts.types.js';

export type AuthLevel = 'apiKey' | 'apiKey+secretKey';

declare module 'fastify' {
  interface FastifyRequest {
    account: AccountRecord;
  }
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
}

export function header(request: FastifyRequest, name: string): string | undefined {
  // Node lower-cases header names, so the mobile SDK's `APIKey` arrives as `apikey`.
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** A preHandler for routes whose config names an auth level; sets request.account. */
export function authHook(store: Store) {
  return async (request: FastifyRequest): Promise<void> => {
    const level = request.routeOptions.config.auth;
    if (!level) return;
    request.account = await authenticate(
      store,
      { apiKey: header(request, 'apikey'), secretKey: header(request, 'secretkey') },
      level === 'apiKey+secretKey',
    );
  };
}
