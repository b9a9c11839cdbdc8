import type { Policy } from '@custodian/core/policy';
import { categoryName, listInWords, personalCategories, tablesAboutPeople } from '../describe.js';
import { html, type SafeHtml } from '../html.js';

const LOG_FIELD_NAMES: Record<string, string> = {
  method: 'the method',
  path: 'the path without query values',
  status: 'the response status',
  duration: 'how long it took',
  userId: 'the signed-in user’s id',
  requestId: 'a request id',
  tenantId: 'the customer account id',
};

/** What is stored and why: one row per table that holds data about people. */
export function whatWeStore(policy: Policy): SafeHtml {
  const tables = tablesAboutPeople(policy);
  const business = Object.values(policy.tables).filter((t) => t.notAboutPersons);
  const logFields = policy.logging.requestFields.map((f) => LOG_FIELD_NAMES[f] ?? f);
  return html`<h2 id="what-we-store">What we store and why</h2>
<table>
<thead><tr><th>Data</th><th>Why we keep it</th><th>What it includes</th></tr></thead>
<tbody>
${tables.map(([, t]) => {
  const categories = personalCategories(t);
  return html`<tr><td>${t.description}</td><td>${t.purpose}</td><td>${
    categories.length > 0 ? categories.map((c) => html`<span class="tag">${categoryName(c)}</span>`) : html`<span class="muted">records linked to you</span>`
  }</td></tr>`;
})}
</tbody>
</table>
${business.length > 0 && html`<p class="muted">We also keep business records that are not about individuals: ${business.map((t, i) => html`${i > 0 ? ', ' : ''}${t.description}`)}.</p>`}
<p>For each request, our logs record only ${listInWords(logFields)} — never headers, query values, or request or response bodies.</p>`;
}
