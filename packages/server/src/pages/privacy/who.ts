import type { Policy } from '@custodian/core/policy';
import { html, link, type SafeHtml } from '../html.js';

/** Who is responsible for the data, and whom the policy is about. */
export function whoWeAre(policy: Policy): SafeHtml {
  const org = policy.organization;
  const subjects = Object.values(policy.subjects);
  return html`<h2 id="who-we-are">Who we are</h2>
<dl class="facts">
<dt>Organisation</dt><dd>${org.legalName ?? org.name}${org.legalName && org.legalName !== org.name ? html` <span class="muted">(${org.name})</span>` : ''}</dd>
${org.address && html`<dt>Address</dt><dd>${org.address}</dd>`}
${org.country && html`<dt>Country</dt><dd>${org.country}</dd>`}
<dt>Website</dt><dd>${link(org.url)}</dd>
</dl>
<p>This policy covers the people whose data our service holds:</p>
<ul>${subjects.map((s) => html`<li>${s.description}</li>`)}</ul>`;
}
