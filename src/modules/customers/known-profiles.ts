import { mergeKeyId, type ClaimLookup } from '../identity/index.js';
import type { Profile } from '../profiles/index.js';
import type { ResolvedMany } from './customers.store.js';
import type { UpsertInput } from './upsert-input.js';

/**
 * What a list's transaction knows of its requests' profiles: read set-wise once (resolveMany),
 * then kept current as each request is applied — the list holds the key locks and the rows, so
 * nobody else can change what these keys reach until it commits.
 */
export class KnownProfiles {
  private readonly byCustomerId: Map<string, Profile>;
  private readonly byKey: Map<string, Profile>;
  private readonly customerIdCounts: Map<number, number>;
  /** Which customerIds and keys reach each profile: a write updates only its own entries. */
  private readonly reachedBy = new Map<number, { customerIds: Set<string>; keys: Set<string> }>();

  constructor(resolved: ResolvedMany) {
    ({ byCustomerId: this.byCustomerId, byKey: this.byKey, customerIdCounts: this.customerIdCounts } = resolved);
    for (const [id, profile] of this.byCustomerId) this.reach(profile.gameballId).customerIds.add(id);
    for (const [key, profile] of this.byKey) this.reach(profile.gameballId).keys.add(key);
  }

  private reach(gameballId: number) {
    let reach = this.reachedBy.get(gameballId);
    if (!reach) this.reachedBy.set(gameballId, (reach = { customerIds: new Set(), keys: new Set() }));
    return reach;
  }

  /** What identity's resolveClaim needs of a request, from what is known. */
  lookUp(input: UpsertInput): ClaimLookup {
    return {
      byCustomerId: this.byCustomerId.get(input.customerId),
      byIdentifier: input.identifiers.map((i) => this.byKey.get(mergeKeyId(i.kind, i.key))),
      customerIdCounts: this.customerIdCounts,
    };
  }

  /** After a request of the list is applied: every key that reaches its profile now reaches it as stored. */
  remember(customerId: string, stored: Profile, gainedCustomerId: boolean): void {
    const { gameballId } = stored;
    if (gainedCustomerId) this.customerIdCounts.set(gameballId, (this.customerIdCounts.get(gameballId) ?? 0) + 1);
    const reach = this.reach(gameballId);
    reach.customerIds.add(customerId);
    for (const id of reach.customerIds) this.byCustomerId.set(id, stored);
    // A key this profile let go may reach another profile since: only its own are dropped.
    for (const key of reach.keys) if (this.byKey.get(key)?.gameballId === gameballId) this.byKey.delete(key);
    reach.keys.clear();
    for (const [kind, key] of [
      ['email', stored.emailKey],
      ['mobile', stored.mobileKey],
    ] as const) {
      if (!key) continue;
      const id = mergeKeyId(kind, key);
      this.byKey.set(id, stored);
      reach.keys.add(id);
    }
  }
}
