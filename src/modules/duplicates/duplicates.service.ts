import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import {
  customerIdsOfMany,
  type ExplicitMergeResult,
  mergeCustomers,
  profileSummaries,
  recordDismissal,
} from '../customers/index.js';
import { decideSuggestion, findSuggestion, listSuggestions, type Suggestion } from './duplicates.store.js';
import type { SuggestionStatus } from '../../db/database.js';

export const DEFAULT_DUPLICATES_PAGE = 50;
export const MAX_DUPLICATES_PAGE = 100;

/** A side of a suggestion as the queue shows it: enough to recognise the person, by its ids. */
export interface SuggestedProfile {
  gameballId: number;
  customerIds: string[];
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  email: string | null;
  mobile: string | null;
  dateOfBirth: string | null;
  city: string | null;
}

export interface SuggestionView {
  id: number;
  score: number;
  features: string[];
  status: SuggestionStatus;
  createdAt: string;
  updatedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  profiles: SuggestedProfile[];
}

export interface DuplicatesPage {
  suggestions: SuggestionView[];
  count: number;
  hasMore: boolean;
}

const attribute = (attributes: Record<string, unknown>, key: string): string | null =>
  typeof attributes[key] === 'string' ? (attributes[key] as string) : null;

async function views(store: Store, accountId: string, suggestions: readonly Suggestion[]): Promise<SuggestionView[]> {
  const ids = suggestions.flatMap((s) => s.gameballIds);
  const summaries = await profileSummaries(store.db, accountId, ids);
  const customerIds = await customerIdsOfMany(store.db, accountId, ids);
  return suggestions.map((s) => ({
    id: s.id,
    score: s.score,
    features: s.features,
    status: s.status,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    decidedAt: s.decidedAt,
    decidedBy: s.decidedBy,
    profiles: s.gameballIds.map((gameballId) => {
      const p = summaries.get(gameballId);
      const a = p?.attributes ?? {};
      return {
        gameballId,
        customerIds: customerIds.get(gameballId) ?? [],
        firstName: attribute(a, 'firstName'),
        lastName: attribute(a, 'lastName'),
        displayName: attribute(a, 'displayName'),
        email: p?.email ?? null,
        mobile: p?.mobile ?? null,
        dateOfBirth: attribute(a, 'dateOfBirth'),
        city: attribute(a, 'city'),
      };
    }),
  }));
}

/** A page of the account's possible duplicates (docs/duplicates.md), in the order they were found. */
export async function listDuplicates(
  store: Store,
  account: AccountRecord,
  filter: { status?: SuggestionStatus; minScore?: number; startAfter?: number; limit?: number },
): Promise<DuplicatesPage> {
  const limit = filter.limit ?? DEFAULT_DUPLICATES_PAGE;
  const found = await listSuggestions(store.db, account.id, {
    status: filter.status ?? 'open',
    minScore: filter.minScore ?? 0,
    startAfter: filter.startAfter ?? 0,
    limit: limit + 1,
  });
  const page = found.slice(0, limit);
  return { suggestions: await views(store, account.id, page), count: page.length, hasMore: found.length > limit };
}

export async function getDuplicate(store: Store, account: AccountRecord, id: number): Promise<SuggestionView> {
  return (await views(store, account.id, [await suggestionOrThrow(store, account, id, false)]))[0]!;
}

/** The suggestion, or 404; `mustBeOpen`: 409 too when it was already decided. */
async function suggestionOrThrow(
  store: Store,
  account: AccountRecord,
  id: number,
  mustBeOpen = true,
): Promise<Suggestion> {
  const suggestion = await findSuggestion(store.db, account.id, id);
  if (!suggestion) throw new AppError('notFound', `No possible duplicate with id ${id} in this account.`);
  if (mustBeOpen && suggestion.status !== 'open')
    throw new AppError(
      'suggestionDecided',
      `Possible duplicate ${id} was already ${suggestion.status} (${suggestion.decidedAt ?? 'earlier'}, by ${suggestion.decidedBy ?? 'Patron'}).`,
    );
  return suggestion;
}

/**
 * The survivor of a suggestion's merge: the profile with more customerIds (the one more of the
 * merchant's systems know), then the older one (the lower gameballId). Its values win, as in any
 * explicit merge.
 */
function survivorOf(view: SuggestionView): [SuggestedProfile, SuggestedProfile] {
  const [a, b] = view.profiles as [SuggestedProfile, SuggestedProfile];
  if (a.customerIds.length !== b.customerIds.length)
    return a.customerIds.length > b.customerIds.length ? [a, b] : [b, a];
  return a.gameballId < b.gameballId ? [a, b] : [b, a];
}

/** Merges the pair (an explicit merge: docs/identity.md) and marks the suggestion merged, in one transaction. */
export async function mergeDuplicate(
  store: Store,
  account: AccountRecord,
  id: number,
  by: string,
  requestId?: string,
): Promise<ExplicitMergeResult & { suggestion: number }> {
  const view = (await views(store, account.id, [await suggestionOrThrow(store, account, id)]))[0]!;
  const [survivor, other] = survivorOf(view);
  if (survivor.customerIds.length === 0 || other.customerIds.length === 0)
    throw new AppError('suggestionDecided', `Possible duplicate ${id} names a profile that is gone.`);
  const result = await mergeCustomers(store, account, survivor.customerIds[0]!, other.customerIds[0]!, {
    requestId,
    within: async (tx) => {
      const now = await findSuggestion(tx.db, account.id, id);
      if (now?.status !== 'open')
        throw new AppError('suggestionDecided', `Possible duplicate ${id} was decided meanwhile.`);
      await decideSuggestion(tx.sql, account.id, id, 'merged', new Date().toISOString(), by);
    },
  });
  return { ...(result as ExplicitMergeResult), suggestion: id };
}

/** Closes the suggestion without merging; both profiles' histories record it. It returns only if a matched field changes. */
export async function dismissDuplicate(
  store: Store,
  account: AccountRecord,
  id: number,
  by: string,
  requestId?: string,
): Promise<SuggestionView> {
  const suggestion = await suggestionOrThrow(store, account, id);
  await store.write(async (tx) => {
    const now = await findSuggestion(tx.db, account.id, id);
    if (now?.status !== 'open')
      throw new AppError('suggestionDecided', `Possible duplicate ${id} was decided meanwhile.`);
    await decideSuggestion(tx.sql, account.id, id, 'dismissed', new Date().toISOString(), by);
    await recordDismissal(store, tx, account.id, suggestion.gameballIds, requestId);
  });
  return getDuplicate(store, account, id);
}
