import { mergeKeyId } from '../identity/index.js';
import type { NewProfile } from './profile-inserts.store.js';
import type { UpsertInput } from './upsert-input.js';

/**
 * The new profiles of a list, planned but not yet written: they are written together
 * (profile-inserts.store.ts) when the list ends, or as soon as a later request of the list
 * reaches one of them by its customerId or an identifier — that request must see it stored.
 */
export class PendingCreates<Plan> {
  private items: Array<{ index: number; plan: Plan; row: NewProfile }> = [];
  private readonly keys = new Set<string>();

  /** Whether `input` names a customerId or an identifier of a profile still pending. */
  reaches(input: UpsertInput): boolean {
    if (this.items.length === 0) return false;
    return (
      this.keys.has(`customerId:${input.customerId}`) ||
      input.identifiers.some((i) => this.keys.has(mergeKeyId(i.kind, i.key)))
    );
  }

  add(index: number, plan: Plan, row: NewProfile, input: UpsertInput): void {
    this.items.push({ index, plan, row });
    this.keys.add(`customerId:${input.customerId}`);
    for (const i of input.identifiers) this.keys.add(mergeKeyId(i.kind, i.key));
  }

  /** The pending profiles, in the list's order; none remain pending. */
  take(): Array<{ index: number; plan: Plan; row: NewProfile }> {
    const taken = this.items;
    this.items = [];
    this.keys.clear();
    return taken;
  }
}
