import type { Policy } from '@custodian/core/policy';
import { html, type SafeHtml } from '../html.js';

/** Data regions (B10): where a customer account's data lives and which law applies there. */
export function whereDataLives(policy: Policy): SafeHtml {
  return html`<h2 id="regions">Where your data is stored</h2>
<p>Each customer account is assigned a data region; its data is stored and processed there.</p>
<table>
<thead><tr><th>Region</th><th>Code</th><th>Legal context</th><th>Processing region of providers</th></tr></thead>
<tbody>
${policy.regions.map(
  (r) => html`<tr><td>${r.name}${r.default ? html` <span class="tag">default</span>` : ''}</td><td><code>${r.code}</code></td><td>${r.legalContext ?? html`<span class="muted">—</span>`}</td><td>${r.providerRegion ?? html`<span class="muted">—</span>`}</td></tr>`,
)}
</tbody>
</table>`;
}
