import type { Store } from '../../db/connect.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { readWholeHistory } from '../history/index.js';
import {
  compareIdentities,
  explainIdentity,
  identifierKey,
  type CompareReason,
  type IdentityExplanation,
  type IdentityFacts,
} from '../identity/index.js';
import type { Profile } from '../profiles/index.js';
import { listCustomerIds } from './customer-reads.store.js';
import { refusalsOf } from './refusals.store.js';
import { areSplitSiblings, findProfileByCustomerId, mergeKeyHolder, splitBetween } from './customers.store.js';

/** The identity's explanation of the profile a customerId reaches (docs/identity.md "Explanations"), read in one read. */
async function readFacts(
  store: Store,
  sql: SqlRunner,
  account: AccountRecord,
  customerId: string,
): Promise<{ profile: Profile; explanation: IdentityExplanation } | undefined> {
  const profile = await findProfileByCustomerId(sql, store.dialect, account.id, customerId);
  if (!profile) return undefined;
  const holders: IdentityFacts['holders'] = {};
  for (const kind of ['email', 'mobile'] as const) {
    const key = kind === 'email' ? profile.emailKey : profile.mobileKey;
    const normalised = key !== null ? undefined : identifierKey(account, kind, profile[kind]);
    if (normalised === undefined) continue;
    const holder = await mergeKeyHolder(sql, account.id, kind, normalised);
    if (holder !== undefined && holder !== profile.gameballId)
      holders[kind] = {
        gameballId: holder,
        split: await areSplitSiblings(sql, account.id, profile.gameballId, holder),
      };
  }
  const facts: IdentityFacts = {
    account,
    profile,
    customerIds: await listCustomerIds(sql, account.id, profile.gameballId),
    entries: await readWholeHistory(sql, profile),
    historyKept: store.recordsHistory,
    refusals: await refusalsOf(sql, account.id, profile.gameballId),
    holders,
  };
  return { profile, explanation: explainIdentity(facts) };
}

const notFound = (customerId: string) =>
  new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);

export async function explainCustomer(
  store: Store,
  account: AccountRecord,
  customerId: string,
): Promise<IdentityExplanation> {
  const found = await store.read((sql) => readFacts(store, sql, account, customerId));
  if (!found) throw notFound(customerId);
  return found.explanation;
}

export async function compareCustomers(
  store: Store,
  account: AccountRecord,
  customerId: string,
  other: string,
): Promise<{ sameProfile: boolean; reasons: CompareReason[] }> {
  return store.read(async (sql) => {
    const a = await readFacts(store, sql, account, customerId);
    if (!a) throw notFound(customerId);
    const b = await readFacts(store, sql, account, other);
    if (!b) throw notFound(other);
    const splitAt =
      a.profile.gameballId === b.profile.gameballId
        ? undefined
        : await splitBetween(sql, account.id, a.profile.gameballId, b.profile.gameballId);
    return compareIdentities(
      account,
      { customerId, ...a },
      { customerId: other, ...b },
      splitAt === undefined ? undefined : { at: splitAt },
    );
  });
}
