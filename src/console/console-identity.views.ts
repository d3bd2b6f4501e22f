import type { CompareReason, IdentityExplanation } from '../modules/identity/index.js';
import { html, type Html } from './html.js';

/** The comparison the "Compare with…" form asked for, when it did. */
export interface Comparison {
  with: string;
  sameProfile?: boolean;
  reasons?: CompareReason[];
  /** The other customerId is unknown, or the comparison failed: said instead of the reasons. */
  problem?: string;
}

const joined = (story: IdentityExplanation['customerIds'][number]): string => {
  const how =
    story.joined === 'merged'
      ? `merged${story.by ? ` by ${story.by.kind} ${story.by.value}` : ''}`
      : story.joined === 'explicit-merge'
        ? `joined by an explicit merge of gameballId ${story.from}`
        : story.joined === 'unmerged'
          ? `came with an unmerge from gameballId ${story.from}`
          : story.joined === 'created'
            ? 'created the profile'
            : 'joined before the history kept';
  const through = story.through
    ? ` · ${story.through.operation}${story.through.requestId ? ` ${story.through.requestId}` : ''}`
    : '';
  const left = story.left
    ? ` · left with an unmerge on ${story.left.at} (now gameballId ${story.left.gameballId})`
    : '';
  return `${how}${story.at ? ` on ${story.at}` : ''}${through}${left}`;
};

/** The customer page's "Identity" panel: how each customerId joined, which identifiers are keys, protections, and a compare form. */
export function identityPanel(
  formAction: string,
  identity: IdentityExplanation,
  comparison: Comparison | undefined,
): Html {
  return html`
<section aria-labelledby="h-identity"><h2 id="h-identity">Identity</h2>
${identity.history === 'off' ? html`<p class="muted">History is off on this Patron: how customerIds joined is not known.</p>` : ''}
<h3>customerIds</h3>
<ul>${identity.customerIds.map((s) => html`<li><code>${s.customerId}</code>${s.present ? '' : ' (gone)'}: ${joined(s)}</li>`)}</ul>
<h3>Identifiers</h3>
${identity.identifiers.length === 0 ? html`<p>No email or mobile stored.</p>` : html`<ul>${identity.identifiers.map((i) => html`<li>${i.kind} <code>${i.value}</code>: ${i.mergeKey ? 'a merge key' : html`not a merge key (<strong>${i.reason}</strong>)`} — ${i.message}</li>`)}</ul>`}
<h3>Protections</h3>
${identity.protections.length === 0 ? html`<p>None recorded.</p>` : html`<ul>${identity.protections.map((p) => html`<li>${p.at}: ${p.identifier} <code>${p.value}</code> from <code>${p.customerId}</code> — ${p.rule}${p.blockedBy ? ` (${p.blockedBy.rule})` : ''}${p.wouldJoin === null ? '' : `, would have joined gameballId ${p.wouldJoin}`}</li>`)}</ul>`}
<form method="get" action="${formAction}">
<label for="f-compare">Compare with customerId</label>
<input type="text" id="f-compare" name="compare" value="${comparison?.with ?? ''}">
<button type="submit">Compare</button>
</form>
${comparison ? comparisonResult(comparison) : ''}
</section>`;
}

function comparisonResult(comparison: Comparison): Html {
  if (comparison.problem) return html`<p class="error" role="alert">${comparison.problem}</p>`;
  return html`<div role="status"><p><strong>${comparison.sameProfile ? 'One profile' : 'Two profiles'}</strong> with <code>${comparison.with}</code>${comparison.sameProfile ? ': how they came together' : ': why they are apart'}</p>
<ul>${(comparison.reasons ?? []).map((r) => html`<li><code>${r.code}</code>: ${r.message}</li>`)}</ul></div>`;
}
