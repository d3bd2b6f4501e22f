import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import type { Profile, ProfileState } from '../profiles/index.js';
import { identifierKey, mergeKinds, type MergeKind } from './merge-keys.js';
import { blockedBy, type Protection } from './protection.js';

/**
 * Identity resolution: where a write lands (docs/identity.md "Merging on several identifiers"), which merge keys a
 * profile holds, and the key locks that keep two writers of one identity apart. The rules only:
 * the customers module reads the profiles they name and writes the outcome.
 */

export interface MergeIdentifier {
  kind: MergeKind;
  key: string;
  /** The request field the identifier came from, for error messages. */
  field: string;
}

/** What a write claims about identity: the customerId it names and the merge identifiers it carries. */
export interface IdentityClaim {
  customerId: string;
  /** The merge identifiers this request carries, in the account's priority order. */
  identifiers: MergeIdentifier[];
  /** The identifier named when a new customer carries none (the highest priority), when the account merges. */
  requiredIdentifier: string | undefined;
}

/** The profiles a claim reaches: by its customerId, and by each of its identifiers in order. */
export interface ClaimLookup {
  byCustomerId: Profile | undefined;
  byIdentifier: Array<Profile | undefined>;
  /** How many customerIds each profile read has (the merge cap). */
  customerIdCounts: ReadonlyMap<number, number>;
}

/**
 * Where a request lands, in the order the rules are tried. `unindexed`: identifiers the request
 * carries that the profile stores as plain values, not merge keys (protected, or held by a
 * profile an unmerge split from this one); `protections`: why, where a protection rule decided.
 */
export type Resolution = (
  { kind: 'existing'; profile: Profile } | { kind: 'merge'; profile: Profile; by: MergeKind } | { kind: 'new' }
) & { unindexed: MergeKind[]; protections: Protection[] };

/** The id of a merge key in a list's lookup ("kind:key"). */
export const mergeKeyId = (kind: MergeKind, key: string): string => `${kind}:${key}`;

/** The key locks of one request: its customerId and its merge identifiers. */
export function lockKeysOf(account: AccountRecord, claim: IdentityClaim): string[] {
  return [
    `${account.id}:customerId:${claim.customerId}`,
    ...claim.identifiers.map((i) => `${account.id}:${i.kind}:${i.key}`),
  ];
}

/** The lock of a customerId alone (an unmerge, which carries no identifier). */
export const customerIdLock = (account: AccountRecord, customerId: string): string =>
  `${account.id}:customerId:${customerId}`;

/** A 3008: the identifier belongs to another profile. Carries who, so the refusal can be recorded against both. */
export class IdentifierConflict extends AppError {
  constructor(
    message: string,
    field: string,
    readonly conflict: { kind: MergeKind; key: string; owner: number; other: number | null; customerId: string },
  ) {
    super('identifierConflict', message, field);
  }
}

export function identifierConflict(
  claim: IdentityClaim,
  identifier: MergeIdentifier,
  owner: Profile,
  other: Profile | undefined,
): AppError {
  const { field, key } = identifier;
  const whose = other
    ? `another customer profile than customerId "${claim.customerId}"`
    : 'another customer profile than the other identifier of this request';
  const conflict = new IdentifierConflict(
    `The ${field} "${key}" already belongs to ${whose}. Use that profile's customerId, or send a different ${field}.`,
    field,
    {
      kind: identifier.kind,
      key,
      owner: owner.gameballId,
      other: other?.gameballId ?? null,
      customerId: claim.customerId,
    },
  );
  conflict.secretDetail = other
    ? `(${field} of gameballId ${owner.gameballId}; customerId "${claim.customerId}" is gameballId ${other.gameballId}.)`
    : `(${field} of gameballId ${owner.gameballId}.)`;
  return conflict;
}

export function missingIdentifier(field: string, mergeBy: string): AppError {
  const by = mergeBy.includes(',')
    ? `${mergeBy.replace(',', ' and ')}, so a new customer needs at least one of them`
    : field;
  return new AppError(
    'missingField',
    `'${field}' is required to create a customer: this account merges channels by ${by}. Send ${field} (or customerAttributes.${field}).`,
    field,
  );
}

/**
 * Where a claim lands: the profile its customerId reaches (each identifier it carries must be
 * free, already that profile's, or held by a profile an unmerge split from it), else the one
 * profile its identifiers reach (a merge), else a new profile. Two profiles are never merged
 * with each other implicitly.
 */
export async function resolveClaim(
  account: AccountRecord,
  claim: IdentityClaim,
  { byCustomerId, byIdentifier, customerIdCounts }: ClaimLookup,
  areSplitSiblings: (gameballId: number, other: number) => Promise<boolean>,
): Promise<Resolution> {
  const unindexed: MergeKind[] = [];
  const protections: Protection[] = [];
  const protect = (identifier: MergeIdentifier, protection: Pick<Protection, 'rule' | 'blockedBy' | 'wouldJoin'>) => {
    unindexed.push(identifier.kind);
    protections.push({ identifier: identifier.field, kind: identifier.kind, value: identifier.key, ...protection });
  };
  // A blocked value is never a key, whoever holds it: it joins nothing and conflicts with nothing.
  const usable: Array<{ identifier: MergeIdentifier; owner: Profile | undefined }> = [];
  for (const [i, identifier] of claim.identifiers.entries()) {
    const owner = byIdentifier[i];
    const blocked = blockedBy(account, identifier.kind, identifier.key);
    if (!blocked) usable.push({ identifier, owner });
    else {
      const other = owner !== undefined && owner.gameballId !== byCustomerId?.gameballId;
      protect(identifier, { rule: 'blocked-value', blockedBy: blocked, wouldJoin: other ? owner.gameballId : null });
    }
  }
  if (byCustomerId !== undefined) {
    for (const { identifier, owner } of usable) {
      if (owner === undefined || owner.gameballId === byCustomerId.gameballId) continue;
      // Held here as a plain value (the cap kept it off), or by a profile an unmerge split from this one.
      if (
        holdsAsPlainValue(account, byCustomerId, identifier) ||
        (await areSplitSiblings(byCustomerId.gameballId, owner.gameballId))
      ) {
        unindexed.push(identifier.kind);
        continue;
      }
      throw identifierConflict(claim, identifier, owner, byCustomerId);
    }
    return { kind: 'existing', profile: byCustomerId, unindexed, protections };
  }
  const owners: Array<{ identifier: MergeIdentifier; owner: Profile }> = [];
  for (const { identifier, owner } of usable) {
    if (owner === undefined) continue;
    const count = customerIdCounts.get(owner.gameballId) ?? 0;
    // A full profile is served as if its identifier were free: the new profile holds it as a plain value.
    if (account.mergeCap > 0 && count >= account.mergeCap)
      protect(identifier, { rule: 'cap', wouldJoin: owner.gameballId });
    else owners.push({ identifier, owner });
  }
  const [first, ...others] = owners;
  if (first) {
    // The lower priority identifier is named.
    const clash = others.find((o) => o.owner.gameballId !== first.owner.gameballId);
    if (clash) throw identifierConflict(claim, clash.identifier, clash.owner, undefined);
    return { kind: 'merge', profile: first.owner, by: first.identifier.kind, unindexed, protections };
  }
  // A protected identifier counts as carried: a till's sale with a junk email still gets a profile.
  if (claim.requiredIdentifier && claim.identifiers.length === 0)
    throw missingIdentifier(claim.requiredIdentifier, account.mergeBy);
  return { kind: 'new', unindexed, protections };
}

/** Whether the profile stores this identifier's value without holding it as its merge key. */
function holdsAsPlainValue(account: AccountRecord, profile: Profile, identifier: MergeIdentifier): boolean {
  const key = identifier.kind === 'email' ? profile.emailKey : profile.mobileKey;
  return key === null && identifierKey(account, identifier.kind, profile[identifier.kind]) === identifier.key;
}

/**
 * The merge keys a write stores. A key exists only while the account merges by its identifier;
 * a carried identifier sets it (resolution checked that it is free or this profile's); one not
 * carried keeps the stored key, unless the value was cleared. So a key is never newly taken by a
 * write that did not check it, and switching mergeBy on applies from each profile's next write.
 */
export function mergeKeysOf(
  account: AccountRecord,
  claim: IdentityClaim,
  current: Profile | undefined,
  next: ProfileState,
  unindexed: readonly MergeKind[],
): Pick<Profile, 'emailKey' | 'mobileKey'> {
  const kinds = mergeKinds(account.mergeBy);
  const keyFor = (kind: MergeKind, value: string | null, stored: string | null | undefined): string | null => {
    if (!kinds.includes(kind) || value === null || unindexed.includes(kind)) return null;
    return claim.identifiers.find((i) => i.kind === kind)?.key ?? stored ?? null;
  };
  return {
    emailKey: keyFor('email', next.email, current?.emailKey),
    mobileKey: keyFor('mobile', next.mobile, current?.mobileKey),
  };
}

/**
 * The merge keys a profile may hold after an unmerge: an identifier's key when the account merges
 * by it and no other profile holds it (the profile that stays keeps the ones both sides have).
 */
export async function freeMergeKeys(
  account: AccountRecord,
  state: ProfileState,
  self: number | undefined,
  holderOf: (kind: MergeKind, key: string) => Promise<number | undefined>,
): Promise<Pick<Profile, 'emailKey' | 'mobileKey'>> {
  const kinds = mergeKinds(account.mergeBy);
  const keyOf = async (kind: MergeKind): Promise<string | null> => {
    const key = kinds.includes(kind) ? identifierKey(account, kind, state[kind]) : undefined;
    if (key === undefined || blockedBy(account, kind, key)) return null;
    const holder = await holderOf(kind, key);
    return holder === undefined || holder === self ? key : null;
  };
  return { emailKey: await keyOf('email'), mobileKey: await keyOf('mobile') };
}
