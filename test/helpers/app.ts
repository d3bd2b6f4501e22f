import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { after } from 'node:test';
import { buildApp, type AppOptions } from '../../src/app.js';
import type { Store } from '../../src/db/connect.js';
import type { SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import { newAccount, type TestAccount } from './accounts.js';
import type { Client } from './client.js';
import { openTestStore } from './store.js';

export type { TestAccount };

export { CUSTOMERS } from './client.js';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  newAccount(settings?: SettingsInput): Promise<TestAccount>;
}

/** An app on a fresh migrated store, closed when the test file ends (fastify/demo's build(t)). Call it at module level. */
export async function buildTestApp(options: Omit<AppOptions, 'store'> = {}): Promise<TestApp> {
  const store = await openTestStore();
  const app = await buildApp({ store, logLevel: 'silent', ...options });
  after(async () => {
    await app.close();
    await store.close();
  });
  return {
    app,
    store,
    newAccount: (settings = {}) => newAccount(store, settings),
  };
}

export function json(res: LightMyRequestResponse): Record<string, unknown> {
  return res.json() as Record<string, unknown>;
}

/**
 * Every row one account owns: "a rejected request changes nothing" compares these. Scoped to
 * the account because other suites of the same file may write beside the test.
 */
export async function snapshot(store: Store, accountId: string): Promise<Record<string, unknown>> {
  return {
    profiles: await store.db
      .selectFrom('profiles')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('gameball_id')
      .execute(),
    customer_ids: await store.db
      .selectFrom('customer_ids')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('customer_id')
      .execute(),
    referrals: await store.db
      .selectFrom('referrals')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute(),
    retired_profiles: await store.db
      .selectFrom('retired_profiles')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('gameball_id')
      .execute(),
  };
}

/**
 * "Refused, and nothing written": the upsert is answered `status`/`code` with a message that names
 * `field`, and every row of the account is as it was. Answers the message.
 */
export async function refusedUnchanged(
  store: Store,
  api: Client,
  body: unknown,
  status: number,
  code: number,
  field: string,
): Promise<string> {
  const before = await snapshot(store, api.accountId);
  const res = await api.upsert(body);
  assert.equal(res.statusCode, status, res.body);
  const error = res.json();
  assert.equal(error.code, code, res.body);
  assert.match(
    error.message,
    new RegExp(`(?<!\\w)${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`),
    `the message names ${field}: ${error.message}`,
  );
  assert.deepEqual(await snapshot(store, api.accountId), before, 'a refused request changed the store');
  return error.message as string;
}
