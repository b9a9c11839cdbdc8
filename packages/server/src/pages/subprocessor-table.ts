import type { Policy } from '@custodian/core/policy';
import { categoryName } from './describe.js';
import { html, link, type SafeHtml } from './html.js';

/** The sub-processor table shared by the privacy page and `/legal/subprocessors`. */
export function subprocessorTable(policy: Policy): SafeHtml {
  if (policy.subprocessors.length === 0) return html`<p>We use no sub-processors.</p>`;
  return html`<table id="subprocessor-list">
<thead><tr><th>Name</th><th>Purpose</th><th>Location</th><th>Data it processes</th></tr></thead>
<tbody>
${policy.subprocessors.map(
  (s) => html`<tr><td>${s.url ? link(s.url, s.name) : s.name}</td><td>${s.purpose}</td><td>${s.location}</td><td>${
    s.categories.length > 0 ? s.categories.map((c) => html`<span class="tag">${categoryName(c)}</span>`) : html`<span class="muted">—</span>`
  }</td></tr>`,
)}
</tbody>
</table>`;
}
