import type { ConsoleSession } from '../modules/accounts/index.js';
import type { SuggestedProfile, SuggestionView } from '../modules/duplicates/index.js';
import { customerUrl, page } from './console.views.js';
import { html, type Html } from './html.js';

/** The console's "Possible duplicates" page (docs/duplicates.md): the open suggestions, each pair side by side. */

export const DUPLICATES_URL = '/console/duplicates';
/** Suggestions a page of the queue shows. */
export const DUPLICATES_PAGE_SIZE = 20;

/** What the queue page shows: one page of open suggestions, and what an action did. */
export interface DuplicatesPageState {
  suggestions: SuggestionView[];
  /** The id the page starts after (0: the first page). */
  startAfter: number;
  hasMore: boolean;
  notice?: string;
  /** A refused action (already decided, unknown, not confirmed): nothing was written. */
  error?: string;
}

type Field = Exclude<keyof SuggestedProfile, 'gameballId' | 'customerIds'>;

/** The rows compared, and which of the suggestion's features say that row matched. */
const ROWS: ReadonlyArray<{ field: Field; label: string; matchedBy: (feature: string) => boolean }> = [
  {
    field: 'firstName',
    label: 'first name',
    matchedBy: (f) => f.startsWith('first-name-') || f === 'names-swapped',
  },
  { field: 'lastName', label: 'last name', matchedBy: (f) => f.startsWith('last-name-') || f === 'names-swapped' },
  { field: 'displayName', label: 'display name', matchedBy: () => false },
  { field: 'email', label: 'email', matchedBy: (f) => f.startsWith('email-') },
  { field: 'mobile', label: 'mobile', matchedBy: (f) => f.startsWith('mobile-') },
  { field: 'dateOfBirth', label: 'date of birth', matchedBy: (f) => f === 'date-of-birth' },
  { field: 'city', label: 'city', matchedBy: (f) => f === 'city' },
];

/** The score as a whole percentage, never rounded up to a certainty it does not have. */
export const percent = (score: number): number => Math.floor(score * 100 + 1e-9);

const queueUrl = (startAfter: number) =>
  startAfter > 0 ? `${DUPLICATES_URL}?startAfter=${startAfter}` : DUPLICATES_URL;

function customerIdsCell(profile: SuggestedProfile): Html {
  if (profile.customerIds.length === 0) return html`<td><span class="muted">none (gone)</span></td>`;
  return html`<td>${profile.customerIds.map(
    (id, i) => html`${i > 0 ? ', ' : ''}<a href="${customerUrl(id)}">${id}</a>`,
  )}</td>`;
}

/** One compared field: both values, and — when it matched — a mark and the words "matched", never colour alone. */
function fieldRow(
  { field, label, matchedBy }: (typeof ROWS)[number],
  profiles: SuggestedProfile[],
  features: string[],
): Html {
  const matched = features.filter(matchedBy);
  const value = (p: SuggestedProfile) => {
    const text = p[field];
    if (text === null) return html`<td><span class="muted">not given</span></td>`;
    return matched.length > 0 ? html`<td><mark>${text}</mark></td>` : html`<td>${text}</td>`;
  };
  return html`<tr${matched.length > 0 ? html` class="matched"` : ''}><th scope="row">${label}</th>${profiles.map(value)}<td>${
    matched.length > 0
      ? html`<strong><span aria-hidden="true">✓ </span>matched</strong> <span class="muted">(${matched.join(', ')})</span>`
      : ''
  }</td></tr>`;
}

function suggestionSection(session: ConsoleSession, s: SuggestionView, startAfter: number): Html {
  const headingId = `h-dup-${s.id}`;
  const shown = ROWS.filter((row) => row.field !== 'displayName' || s.profiles.some((p) => p.displayName !== null));
  const hidden = html`<input type="hidden" name="csrf" value="${session.csrfToken}"><input type="hidden" name="startAfter" value="${startAfter}">`;
  return html`
<section aria-labelledby="${headingId}" class="duplicate"><h2 id="${headingId}">Possible duplicate #${s.id} — ${percent(s.score)} % alike</h2>
<table>
  <caption class="muted">The two profiles side by side; matched rows are marked "matched"</caption>
  <thead><tr><th scope="col">field</th>${s.profiles.map((p) => html`<th scope="col">gameballId ${p.gameballId}</th>`)}<th scope="col">match</th></tr></thead>
  <tbody>
    <tr><th scope="row">customerIds</th>${s.profiles.map(customerIdsCell)}<td></td></tr>
    ${shown.map((row) => fieldRow(row, s.profiles, s.features))}
  </tbody>
</table>
<p>What matched: ${s.features.length === 0 ? 'nothing recorded' : s.features.map((f, i) => html`${i > 0 ? ', ' : ''}<code>${f}</code>`)}. <span class="muted">Found <time datetime="${s.createdAt}">${s.createdAt}</time>.</span></p>
${
  session.role === 'editor'
    ? html`<div class="duplicate-actions">
<form method="post" action="${DUPLICATES_URL}/${s.id}/merge">${hidden}
<label><input type="checkbox" name="confirm" value="yes" required> I understand this joins the two profiles</label>
<p class="muted">The profile with more customerIds keeps its values (then the older one); undone by unmerging.</p>
<button type="submit" class="danger" aria-describedby="${headingId}">Merge these profiles</button>
</form>
<form method="post" action="${DUPLICATES_URL}/${s.id}/dismiss">${hidden}
<button type="submit" aria-describedby="${headingId}">Not the same person</button>
</form>
</div>`
    : ''
}
</section>`;
}

export function duplicatesPage(session: ConsoleSession, state: DuplicatesPageState): Html {
  const { suggestions, startAfter, hasMore } = state;
  const last = suggestions.at(-1);
  const firstLink = startAfter > 0 && html`<a href="${DUPLICATES_URL}">First page</a>`;
  const nextLink = hasMore && last && html`<a href="${queueUrl(last.id)}">Next page</a>`;
  return page(
    'Possible duplicates',
    session,
    html`
${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : ''}
${state.error ? html`<p class="error" role="alert">${state.error}</p>` : ''}
<p>Pairs of profiles that are likely one person, in the order they were found. Patron never merges them by itself: ${
      session.role === 'editor'
        ? 'merge a pair, or say it is not the same person.'
        : 'an editor merges or dismisses them.'
    }</p>
${session.role === 'editor' ? '' : html`<p class="muted">You are signed in as a viewer: you can look, not change.</p>`}
${
  suggestions.length === 0
    ? startAfter === 0
      ? html`<p>No possible duplicates waiting.</p>`
      : html`<p>No more possible duplicates after #${startAfter}.</p>`
    : suggestions.map((s) => suggestionSection(session, s, startAfter))
}
${firstLink || nextLink ? html`<nav aria-label="More possible duplicates">${firstLink} ${firstLink && nextLink && ' · '} ${nextLink}</nav>` : ''}`,
  );
}
