import type { Policy } from '@custodian/core/policy';
import { html, type SafeHtml } from '../html.js';

/**
 * Version history (C26). The policy validator already refuses a material
 * change that takes effect less than 30 days after it is announced.
 */
export function changesSection(policy: Policy): SafeHtml {
  const changes = [...policy.changes].sort((a, b) => b.effective.localeCompare(a.effective));
  return html`<h2 id="changes">Changes to this policy</h2>
<p>This is version <strong>${policy.version}</strong>, effective <time datetime="${policy.effectiveDate}">${policy.effectiveDate}</time>. A material change takes effect no sooner than 30 days after we announce it.</p>
${changes.length > 0 &&
html`<table id="policy-changes">
<thead><tr><th>Version</th><th>Announced</th><th>Takes effect</th><th>Kind</th><th>Summary</th></tr></thead>
<tbody>
${changes.map(
  (c) => html`<tr data-version="${c.version}"><td>${c.version}${c.version === policy.version ? html` <span class="tag">current</span>` : ''}</td><td><time datetime="${c.announced}">${c.announced}</time></td><td><time datetime="${c.effective}">${c.effective}</time></td><td>${c.material ? 'material' : 'minor'}</td><td>${c.summary}</td></tr>`,
)}
</tbody>
</table>`}`;
}
