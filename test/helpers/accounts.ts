import type { Store } from '../../src/db/connect.js';
import { createAccount, type SettingsInput } from '../../src/modules/accounts/accounts.service.js';
import type { Account } from '../../src/modules/accounts/accounts.types.js';

/** An account and its two keys, as a test holds them. */
export interface TestAccount {
  account: Account;
  /** The account's id (account.id), for CLI flags and store queries. */
  id: string;
  apiKey: string;
  secretKey: string;
}

let made = 0;

/**
 * The one way a test makes an account: through the service `patron accounts create` calls, in
 * this process, on the store under test (a store that `patron serve` processes share works too).
 */
export async function newAccount(
  store: Store,
  settings: SettingsInput = {},
  name = `test-${++made}`,
): Promise<TestAccount> {
  const { account, keys } = await createAccount(store, name, settings);
  return { account, id: account.id, ...keys };
}
