import type { ConsoleSession } from '../modules/accounts/index.js';
import { page } from './console.views.js';
import { html, type Html } from './html.js';

/** The console's pages of operations: batch jobs and their progress, webhook subscriptions and dead deliveries. */

export interface JobRow {
  id: number;
  status: string;
  totalItems: number;
  processedItems: number;
  failedItems: number;
  createdAt: string;
  finishedAt: string | null;
}

/** What a job's progress shows. */
export type JobCounts = Pick<JobRow, 'id' | 'status' | 'totalItems' | 'processedItems' | 'failedItems'>;

const running = (status: string) => status === 'pending' || status === 'processing';

function progress(job: JobCounts): Html {
  return html`<progress max="${job.totalItems}" value="${job.processedItems}" aria-label="job ${job.id}: ${job.processedItems} of ${job.totalItems} items">${job.processedItems} of ${job.totalItems}</progress>`;
}

export function batchesPage(session: ConsoleSession, jobs: JobRow[]): Html {
  return page(
    'Batches',
    session,
    html`
${
  jobs.length === 0
    ? html`<p>No batch jobs yet.</p>`
    : html`<table>
<thead><tr><th scope="col">job</th><th scope="col">status</th><th scope="col">progress</th><th scope="col">failed items</th><th scope="col">submitted</th><th scope="col">ended</th></tr></thead>
<tbody>${jobs.map((job) => html`<tr><td><a href="/console/batches/${job.id}">${job.id}</a></td><td>${job.status}</td><td>${progress(job)} ${job.processedItems} / ${job.totalItems}</td><td>${job.failedItems}</td><td>${job.createdAt}</td><td>${job.finishedAt ?? ''}</td></tr>`)}</tbody>
</table>`
}`,
  );
}

export interface JobErrors {
  errors: Array<{ index: number; customerId: string | null; code: number | null; message: string | null }>;
  message?: string;
}

/** A job's page; while it runs, /console/assets/progress.js keeps its progress current. */
export function batchPage(session: ConsoleSession, job: JobCounts, details: JobErrors): Html {
  return page(
    `Batch ${job.id}`,
    session,
    html`
<div${running(job.status) ? html` data-progress="/console/batches/${job.id}/progress"` : ''}>
<p>Status: <strong data-field="status">${job.status}</strong>${details.message ? html` — ${details.message}` : ''}</p>
<p>${progress(job)} <span data-field="counts" aria-live="polite">${job.processedItems} of ${job.totalItems} items processed, ${job.failedItems} failed</span></p>
</div>
<h2>Failed items</h2>
${
  details.errors.length === 0
    ? html`<p>None${running(job.status) ? ' so far' : ''}.</p>`
    : html`<table>
<thead><tr><th scope="col">item</th><th scope="col">customerId</th><th scope="col">code</th><th scope="col">why</th></tr></thead>
<tbody>${details.errors.map((e) => html`<tr><td>${e.index}</td><td>${e.customerId ?? ''}</td><td>${e.code ?? ''}</td><td>${e.message ?? ''}</td></tr>`)}</tbody></table>`
}
${running(job.status) ? html`<script src="/console/assets/progress.js"></script>` : ''}`,
  );
}

/** Polls a running job's counts once a second; reloads the page when it ends, to list its failed items. */
export const PROGRESS_JS = `
const box = document.querySelector('[data-progress]');
if (box) {
  const bar = box.querySelector('progress');
  const counts = box.querySelector('[data-field=counts]');
  const status = box.querySelector('[data-field=status]');
  const tick = async () => {
    const res = await fetch(box.dataset.progress, { credentials: 'same-origin' });
    if (!res.ok) return;
    const job = await res.json();
    bar.max = job.totalItems; bar.value = job.processedItems;
    counts.textContent = job.processedItems + ' of ' + job.totalItems + ' items processed, ' + job.failedItems + ' failed';
    status.textContent = job.status;
    if (job.status === 'completed' || job.status === 'failed') location.reload();
    else setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}
`;

export interface SubscriptionRow {
  id: string;
  url: string;
  topics: string[];
}

export interface DeadDelivery {
  id: number;
  topic: string;
  subscriptionId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

export function webhooksPage(
  session: ConsoleSession,
  subscriptions: SubscriptionRow[],
  dead: DeadDelivery[],
  notice?: string,
): Html {
  const editor = session.role === 'editor';
  return page(
    'Webhooks',
    session,
    html`
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<h2>Subscriptions</h2>
${
  subscriptions.length === 0
    ? html`<p>No subscriptions. Add one with <code>patron webhooks add</code>.</p>`
    : html`<table>
<thead><tr><th scope="col">id</th><th scope="col">URL</th><th scope="col">topics</th></tr></thead>
<tbody>${subscriptions.map((s) => html`<tr><td><code>${s.id}</code></td><td>${s.url}</td><td>${s.topics.join(', ')}</td></tr>`)}</tbody></table>`
}
<h2>Dead deliveries</h2>
${
  dead.length === 0
    ? html`<p>None: every delivery arrived or is still being retried.</p>`
    : html`<table>
<thead><tr><th scope="col">delivery</th><th scope="col">topic</th><th scope="col">subscription</th><th scope="col">attempts</th><th scope="col">last answer</th><th scope="col"><span class="muted">action</span></th></tr></thead>
<tbody>${dead.map(
        (
          d,
        ) => html`<tr><td>${d.id}</td><td>${d.topic} <span class="muted">${d.createdAt}</span></td><td><code>${d.subscriptionId}</code></td><td>${d.attempts}</td><td>${d.lastStatus ? `HTTP ${d.lastStatus}` : (d.lastError ?? '')}</td>
<td>${editor ? html`<form method="post" action="/console/deliveries/${d.id}/replay"><input type="hidden" name="csrf" value="${session.csrfToken}"><button type="submit">Replay delivery ${d.id}</button></form>` : ''}</td></tr>`,
      )}</tbody></table>`
}`,
  );
}
