import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { TestAccount } from './accounts.js';

export const CUSTOMERS = '/api/v4.0/integrations/customers';

/** An answer, the same whether it came in-process or over a socket (light-my-request's shape). */
export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text. */
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape
  json<T = any>(): T;
}

/** Where requests go: an app in this process (app.inject) or a server's base URL (real HTTP). */
export type Target = FastifyInstance | string;

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

/** Sends one request to the target; a payload goes as JSON. */
export async function send(target: Target, { method, url, headers = {}, payload }: Request): Promise<ApiResponse> {
  if (typeof target !== 'string') {
    const res = await target.inject({
      method,
      url,
      headers,
      ...(payload !== undefined && { payload: payload as object }),
    });
    return {
      statusCode: res.statusCode,
      headers: res.headers as ApiResponse['headers'],
      body: res.body,
      json: () => res.json(),
    };
  }
  const res = await request(`${target}${url}`, {
    method,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(payload !== undefined && { body: JSON.stringify(payload) }),
  });
  const body = await res.body.text();
  return { statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) };
}

/**
 * The one API client of the tests: the customer calls of one account, in-process or over HTTP
 * with the same interface, so a test reads the same whichever it uses.
 */
export function client(target: Target, keys: Pick<TestAccount, 'apiKey' | 'secretKey'> & { id?: string }) {
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  const path = (customerId: string, rest = '') => `${CUSTOMERS}/${encodeURIComponent(customerId)}${rest}`;
  return {
    accountId: keys.id ?? '',
    upsert: (body: unknown, headers: Record<string, string> = { apikey: keys.apiKey }) =>
      send(target, { method: 'POST', url: CUSTOMERS, headers, payload: body }),
    get: (customerId: string) =>
      send(target, { method: 'GET', url: path(customerId), headers: { apikey: keys.apiKey } }),
    details: (customerId: string) => send(target, { method: 'GET', url: path(customerId, '/details'), headers: auth }),
    /** Details as JSON, failing loudly if the customer is not there. */
    async profile(
      customerId: string,
    ): Promise<Record<string, unknown> & { customerAttributes: Record<string, unknown> }> {
      const res = await this.details(customerId);
      if (res.statusCode !== 200) throw new Error(`details of ${customerId}: ${res.statusCode} ${res.body}`);
      return res.json();
    },
  };
}

export type Client = ReturnType<typeof client>;
