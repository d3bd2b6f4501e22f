import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { after } from 'node:test';
import { buildApp, type AppOptions } from '../../src/app.js';
import type { Store } from '../../src/db/connect.js';
import { createAccount, type SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import type { Account } from '../../src/modules/accounts/accounts.types.js';
import { openTestStore } from './store.js';

export const CUSTOMERS = '/api/v4.0/integrations/customers';

export interface TestAccount {
  account: Account;
  apiKey: string;
  secretKey: string;
}

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
    async newAccount(settings = {}) {
      const { account, keys } = await createAccount(store, `test-${Math.random().toString(36).slice(2, 8)}`, settings);
      return { account, ...keys };
    },
  };
}

/** A small client for one account, over app.inject. */
export function client(app: FastifyInstance, keys: TestAccount) {
  const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
  return {
    accountId: keys.account.id,
    upsert: (body: unknown, headers: Record<string, string> = { apikey: keys.apiKey }) =>
      app.inject({ method: 'POST', url: CUSTOMERS, headers, payload: body as object }),
    get: (customerId: string) =>
      app.inject({ method: 'GET', url: `${CUSTOMERS}/${encodeURIComponent(customerId)}`, headers: { apikey: keys.apiKey } }),
    details: (customerId: string) =>
      app.inject({ method: 'GET', url: `${CUSTOMERS}/${encodeURIComponent(customerId)}/details`, headers: auth }),
    /** Details as JSON, failing loudly if the customer is not there. */
    async profile(customerId: string): Promise<Record<string, unknown> & { customerAttributes: Record<string, unknown> }> {
      const res = await this.details(customerId);
      if (res.statusCode !== 200) throw new Error(`details of ${customerId}: ${res.statusCode} ${res.body}`);
      return res.json();
    },
  };
}

export type Client = ReturnType<typeof client>;

export function json(res: LightMyRequestResponse): Record<string, unknown> {
  return res.json() as Record<string, unknown>;
}

/**
 * Every row one account owns: "a rejected request changes nothing" compares these. Scoped to
 * the account because other suites of the same file may write beside the test.
 */
export async function snapshot(store: Store, accountId: string): Promise<Record<string, unknown>> {
  return {
    profiles: await store.db.selectFrom('profiles').selectAll().where('account_id', '=', accountId).orderBy('gameball_id').execute(),
    customer_ids: await store.db.selectFrom('customer_ids').selectAll().where('account_id', '=', accountId).orderBy('customer_id').execute(),
    referrals: await store.db.selectFrom('referrals').selectAll().where('account_id', '=', accountId).orderBy('id').execute(),
  };
}
