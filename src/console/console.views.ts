import type { HistoryEntry } from '../modules/history/index.js';
import { PAGE_SIZE, type CustomerExport, type SearchResults } from '../modules/customers/index.js';
import type { ConsoleSession } from '../modules/accounts/index.js';
import { html, type Html } from './html.js';
import { identityPanel, type Comparison } from './console-identity.views.js';
import type { IdentityExplanation } from '../modules/identity/index.js';

/** The console's whole stylesheet: served by Patron itself, nothing from elsewhere. */
export const CONSOLE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #fff; line-height: 1.45; }
body { margin: 0; }
header { background: #1d3557; color: #fff; padding: .6rem 1.2rem; display: flex; gap: 1.2rem; align-items: center; flex-wrap: wrap; }
header a { color: #fff; }
header code { background: #2c4a70; color: #fff; }
header form { margin-left: auto; }
main { padding: 1rem 1.2rem; max-width: 70rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { font-weight: 600; }
label { display: block; font-weight: 600; margin-top: .5rem; }
input[type=text], input[type=search] { padding: .3rem; min-width: 18rem; border: 1px solid #555; border-radius: 3px; }
button { padding: .35rem .8rem; margin-top: .5rem; border: 1px solid #1d3557; background: #1d3557; color: #fff; border-radius: 3px; cursor: pointer; }
button.danger { background: #9b1c1c; border-color: #9b1c1c; }
.error { color: #9b1c1c; font-weight: 600; }
.notice { background: #e7f3e7; border: 1px solid #2d6a2d; padding: .5rem; }
.muted { color: #555; }
mark { background: #ffe27a; color: #1b1b1b; } tr.matched th, tr.matched td { background: #fff6cc; }
.duplicate-actions { display: flex; flex-wrap: wrap; gap: 0 2rem; align-items: flex-end; }
code { background: #f2f2f2; padding: 0 .2rem; }
`;

export function page(title: string, session: ConsoleSession | undefined, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Patron console</title>
<link rel="stylesheet" href="/console/assets/console.css"></head>
<body>
<header>
  <strong>Patron console</strong>
  ${
    session
      ? html`<nav aria-label="Console"><a href="/console">Find a customer</a> · <a href="/console/duplicates">Possible duplicates</a> · <a href="/console/batches">Batches</a> · <a href="/console/webhooks">Webhooks</a></nav>
  <span>account <code>${session.accountId}</code> · ${session.role}</span>
  <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="${session.csrfToken}"><button type="submit">Sign out</button></form>`
      : ''
  }
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export function signedOutPage(message?: string): Html {
  return page(
    'Sign in',
    undefined,
    html`
${message ? html`<p class="error" role="alert">${message}</p>` : ''}
<p>Sign in with a one-time link. Ask someone who runs Patron to make one:</p>
<p><code>patron console link --account &lt;account id&gt; --role viewer|editor</code></p>`,
  );
}

const searchUrl = (query: string, offset: number) =>
  `/console?q=${encodeURIComponent(query)}${offset > 0 ? `&offset=${offset}` : ''}`;

export function searchPage(session: ConsoleSession, query: string, results: SearchResults | undefined): Html {
  return page(
    'Find a customer',
    session,
    html`
<form method="get" action="/console" role="search">
  <label for="q">customerId (or its beginning), email, mobile, gameballId or referral code</label>
  <input type="search" id="q" name="q" value="${query}" autofocus>
  <button type="submit">Find</button>
</form>
${results === undefined ? '' : searchResults(query, results)}`,
  );
}

/** One page of matches, exact ones first, with the count and links to the pages beside it. */
function searchResults(query: string, { hits, offset, total, capped }: SearchResults): Html {
  if (hits.length === 0) return html`<p>No customer matches <strong>${query}</strong>.</p>`;
  const end = offset + hits.length;
  const count = `${total}${capped ? '+' : ''}`;
  const caption =
    offset === 0 && end === total && !capped
      ? `${total} match${total === 1 ? '' : 'es'}`
      : offset === 0
        ? `first ${end} of ${count} matches`
        : `matches ${offset + 1}–${end} of ${count}`;
  const next = Math.min(PAGE_SIZE, total - end);
  const previousLink =
    offset > 0 &&
    html`<a href="${searchUrl(query, Math.max(0, offset - PAGE_SIZE))}">Previous ${PAGE_SIZE} matches</a>`;
  const nextLink = next > 0 && html`<a href="${searchUrl(query, end)}">Next ${next} match${next === 1 ? '' : 'es'}</a>`;
  return html`
<table>
  <caption class="muted">${caption}</caption>
  <thead><tr><th scope="col">customerId</th><th scope="col">gameballId</th><th scope="col">name</th><th scope="col">email</th><th scope="col">mobile</th></tr></thead>
  <tbody>${hits.map((h) => html`<tr><td><a href="${customerUrl(h.customerId)}">${h.customerId}</a></td><td>${h.gameballId}</td><td>${h.name ?? ''}</td><td>${h.email ?? ''}</td><td>${h.mobile ?? ''}</td></tr>`)}</tbody>
</table>
${previousLink || nextLink ? html`<nav aria-label="More matches">${previousLink} ${previousLink && nextLink && ' · '} ${nextLink}</nav>` : ''}
${capped ? html`<p class="muted">More than ${total} customers match: only the first ${total} are listed. Type more of the term to narrow the search.</p>` : ''}`;
}

export const customerUrl = (customerId: string) => `/console/customers/${encodeURIComponent(customerId)}`;

/** The fields the edit form offers, as the API names them. */
export const EDITABLE = [
  { field: 'email', label: 'Email' },
  { field: 'mobile', label: 'Mobile' },
  { field: 'customerAttributes.displayName', label: 'Display name' },
  { field: 'customerAttributes.firstName', label: 'First name' },
  { field: 'customerAttributes.lastName', label: 'Last name' },
  { field: 'customerAttributes.city', label: 'City' },
  { field: 'customerAttributes.country', label: 'Country' },
] as const;

/** Attributes the profile list shows on lines of their own (the details view repeats them among the attributes). */
const SHOWN_APART = new Set(['custom', 'email', 'mobile', 'tags']);

const inputId = (field: string) => `f-${field.replace(/\W/g, '-')}`;

export interface CustomerPageState {
  identity?: IdentityExplanation;
  comparison?: Comparison;
  notice?: string;
  /** A refused change: the field it names, its message, and what was typed. */
  error?: { field: string | undefined; message: string; values: Record<string, string> };
}

function valueOf(data: CustomerExport, field: string): string {
  const profile = data.profile as unknown as Record<string, unknown> & { customerAttributes?: Record<string, unknown> };
  const value = field.startsWith('customerAttributes.')
    ? profile.customerAttributes?.[field.slice('customerAttributes.'.length)]
    : profile[field];
  return value === undefined || value === null ? '' : String(value);
}

function historyItem(entry: HistoryEntry): Html {
  return html`<li><strong>${entry.operation}</strong> <time datetime="${entry.at}">${entry.at}</time> through <code>${entry.customerId}</code>${entry.requestId ? html` <span class="muted">(${entry.requestId})</span>` : ''}
  ${entry.changes.length > 0 ? html`<ul>${entry.changes.map((c) => html`<li><code>${c.field}</code>: ${c.before === null ? html`<span class="muted">none</span>` : JSON.stringify(c.before)} → ${c.after === null ? html`<span class="muted">none</span>` : JSON.stringify(c.after)}</li>`)}</ul>` : ''}</li>`;
}

export function customerPage(
  session: ConsoleSession,
  customerId: string,
  data: CustomerExport,
  state: CustomerPageState = {},
): Html {
  const editor = session.role === 'editor';
  const csrf = html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
  const action = (path: string) => `${customerUrl(customerId)}/${path}`;
  const profile = data.profile as unknown as Record<string, unknown>;
  const attributes = (profile.customerAttributes ?? {}) as Record<string, unknown>;
  const error = state.error;
  return page(
    `Customer ${customerId}`,
    session,
    html`
${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : ''}
${error && !error.field ? html`<p class="error" role="alert">${error.message}</p>` : ''}
<section aria-labelledby="h-profile"><h2 id="h-profile">Profile</h2>
<dl>
  <dt>gameballId</dt><dd>${data.gameballId}</dd>
  <dt>customerIds</dt><dd>${data.customerIds.join(', ')}</dd>
  <dt>active</dt><dd>${profile.isActive === false ? 'no (opted out)' : 'yes'}</dd>
  <dt>email</dt><dd>${profile.email ?? ''}</dd>
  <dt>mobile</dt><dd>${profile.mobile ?? ''}</dd>
  <dt>referral code</dt><dd>${profile.referralCode ?? ''}</dd>
  ${Object.entries(attributes)
    .filter(([k]) => !SHOWN_APART.has(k))
    .map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`)}
  <dt>custom</dt><dd><code>${JSON.stringify(attributes.custom ?? {})}</code></dd>
  <dt>devices</dt><dd>${data.devices.length === 0 ? 'none' : JSON.stringify(data.devices)}</dd>
  <dt>tags</dt><dd>${data.tags.length === 0 ? 'none' : data.tags.join(', ')}</dd>
</dl>
</section>
${
  editor
    ? html`
<section aria-labelledby="h-edit"><h2 id="h-edit">Edit</h2>
<form method="post" action="${action('attributes')}" novalidate>${csrf}
${EDITABLE.map(({ field, label }) => {
  const wrong = error?.field === field;
  const id = inputId(field);
  return html`<label for="${id}">${label}</label>
  <input type="text" id="${id}" name="${field}" value="${error ? (error.values[field] ?? '') : valueOf(data, field)}"${wrong ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
  ${wrong ? html`<span class="error" id="${id}-error">${error!.message}</span>` : ''}`;
})}
<button type="submit">Save changes</button>
</form>
<form method="post" action="${action('active')}">${csrf}<input type="hidden" name="isActive" value="${profile.isActive === false ? 'true' : 'false'}">
<button type="submit">${profile.isActive === false ? 'Opt in' : 'Opt out'}</button></form>
<form method="post" action="${action('tags')}">${csrf}<label for="f-tag">Add a tag</label><input type="text" id="f-tag" name="tag"><button type="submit">Add tag</button></form>
${data.tags.map((tag) => html`<form method="post" action="${action('tags/remove')}">${csrf}<input type="hidden" name="tag" value="${tag}"><button type="submit">Remove tag ${tag}</button></form>`)}
</section>`
    : html`<p class="muted">You are signed in as a viewer: you can look, not change.</p>`
}
${state.identity ? identityPanel(customerUrl(customerId), state.identity, state.comparison) : ''}
<section aria-labelledby="h-referrals"><h2 id="h-referrals">Referrals</h2>
<p>Referred by: ${data.referrals.referredBy ? html`<code>${data.referrals.referredBy.customerId}</code> (${data.referrals.referredBy.status})` : 'nobody'}</p>
${data.referrals.referredFriends.length === 0 ? html`<p>Referred nobody yet.</p>` : html`<ul>${data.referrals.referredFriends.map((f) => html`<li><code>${f.customerId}</code>: ${f.status}</li>`)}</ul>`}
</section>
<section aria-labelledby="h-history"><h2 id="h-history">History</h2>
${data.history.length === 0 ? html`<p>No history recorded.</p>` : html`<ol reversed>${[...data.history].reverse().map(historyItem)}</ol>`}
${data.mergedProfiles.map(
  (
    merged,
  ) => html`<details><summary>History of profile ${merged.gameballId}, merged into ${merged.retiredInto} on <time datetime="${merged.retiredAt}">${merged.retiredAt}</time></summary>
<ol reversed>${[...merged.history].reverse().map(historyItem)}</ol></details>`,
)}
</section>
<section aria-labelledby="h-webhooks"><h2 id="h-webhooks">Webhook deliveries</h2>
${
  data.webhookEvents.length === 0
    ? html`<p>No webhook events about this customer.</p>`
    : html`<table><thead><tr><th scope="col">event</th><th scope="col">to</th><th scope="col">status</th><th scope="col">attempts</th><th scope="col"><span class="muted">action</span></th></tr></thead><tbody>
${data.webhookEvents.flatMap((event) =>
  event.deliveries.map(
    (
      d,
    ) => html`<tr><td>${event.topic} <span class="muted">${event.createdAt}</span></td><td>${d.url}</td><td>${d.status}${d.lastStatus ? ` (HTTP ${d.lastStatus})` : ''}</td><td>${d.attempts}</td>
<td>${editor ? html`<form method="post" action="${action(`deliveries/${d.id}/replay`)}">${csrf}<button type="submit">Replay delivery ${d.id}</button></form>` : ''}</td></tr>`,
  ),
)}
</tbody></table>`
}
</section>
${
  editor && data.customerIds.length > 1
    ? html`
<section aria-labelledby="h-unmerge"><h2 id="h-unmerge">Unmerge</h2>
<form method="post" action="${action('unmerge')}">${csrf}
<label for="f-unmerge">customerId to detach into a profile of its own</label>
<select id="f-unmerge" name="customerId">${data.customerIds.map((id) => html`<option>${id}</option>`)}</select>
<label><input type="checkbox" name="confirm" value="yes" required> I understand this splits the profile in two</label>
<button type="submit" class="danger">Unmerge</button>
</form></section>`
    : ''
}
${
  editor
    ? html`
<section aria-labelledby="h-merge"><h2 id="h-merge">Merge</h2>
<form method="post" action="${action('merge')}">${csrf}
<label for="f-merge">customerId of another profile to merge into this one</label>
<input type="text" id="f-merge" name="customerId">
<label><input type="checkbox" name="confirm" value="yes" required> I understand this joins the two profiles (undone by unmerging)</label>
<button type="submit" class="danger">Merge into this customer</button>
</form></section>
<section aria-labelledby="h-delete"><h2 id="h-delete">Delete</h2>
<form method="post" action="${action('delete')}">${csrf}
<label><input type="checkbox" name="confirm" value="yes" required> I understand this erases the customer and their history</label>
<button type="submit" class="danger">Delete customer</button>
</form></section>`
    : ''
}`,
  );
}
