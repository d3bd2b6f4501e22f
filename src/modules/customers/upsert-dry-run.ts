import type { Store } from '../../db/connect.js';
import type { AccountRecord } from '../accounts/index.js';
import { lockKeysOf, type Protection } from '../identity/index.js';
import { diffProfiles, type FieldChange } from '../profiles/index.js';
import type { UpsertCustomerRequest } from './customers.schemas.js';
import { readUpsertInput } from './upsert-input.js';
import { API_UPSERT } from './upsert.engine.js';
import { plan, recordMergeIdentifiers } from './upsert-plan.js';

/** What a dry run answers (docs/api.md "Dry run"): what the request would do, nothing written. */
export interface DryRunResult {
  /** The profile's; null for a new one. */
  gameballId: number | null;
  dryRun: true;
  outcome: 'create' | 'update' | 'merge' | 'unchanged';
  /** As the real write's history entry would hold them (a new profile's referral code aside: none is drawn). */
  changes: FieldChange[];
  protections: Protection[];
}

/**
 * Create/Update Customer with ?dryRun=true: every rule runs — reading, under the same key locks,
 * what the real request would read — and nothing is written: no profile, history, webhook,
 * referral or referral code. A request that would fail throws the error it would get.
 */
export async function dryRunUpsert(
  store: Store,
  account: AccountRecord,
  body: UpsertCustomerRequest,
): Promise<DryRunResult> {
  const input = readUpsertInput(account, body);
  return store.write(
    async (tx) => {
      const p = await plan({ store, tx, account, known: undefined }, input, API_UPSERT);
      const { resolution, current } = p;
      let changes: FieldChange[];
      if (current === undefined) changes = diffProfiles(undefined, p.next);
      else {
        changes = [...(p.changes ?? [])];
        if (resolution.kind === 'merge') recordMergeIdentifiers(changes, input, p.next);
      }
      // A referral code drawn for a registering guest is not told: the real write draws its own.
      if (current !== undefined && current.referralCode === null)
        changes = changes.filter((c) => c.field !== 'referralCode');
      const outcome =
        current === undefined ? 'create' : resolution.kind === 'merge' ? 'merge' : p.changed ? 'update' : 'unchanged';
      return {
        gameballId: current?.gameballId ?? null,
        dryRun: true,
        outcome,
        changes,
        protections: resolution.protections,
      };
    },
    lockKeysOf(account, input),
  );
}
