import { after } from 'node:test';
import { request } from 'undici';
import { buildApp } from '../../src/app.js';
import type { SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import { newAccount } from './accounts.js';
import type { ConnectOptions, Store } from '../../src/db/connect.js';
import { openTestStore } from './store.js';
import type { TestAccount } from './accounts.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** A real server on 127.0.0.1 over a fresh store; requests go through a socket. */
export async function startTestServer(options: ConnectOptions = {}): Promise<{
  baseUrl: string;
  store: Store & { url: string };
  newAccount(settings?: SettingsInput): Promise<TestAccount>;
}> {
  const store = await openTestStore(options);
  const app = await buildApp({ store, logLevel: 'silent' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  after(async () => {
    await app.close();
    await store.close();
  });
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    store,
    newAccount: (settings = {}) => newAccount(store, settings, 'http-test'),
  };
}

export async function http(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpResult> {
  const res = await request(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
