import type { Policy } from '@custodian/core/policy';
import { html } from './html.js';
import { layout } from './layout.js';
import { subprocessorTable } from './subprocessor-table.js';

/** `/legal/subprocessors` as HTML (C25). */
export function renderSubprocessorsPage(policy: Policy, path: string): string {
  const body = html`<h1>Sub-processors</h1>
<p class="lead">Companies that process personal data on behalf of ${policy.organization.name}, as of policy version ${policy.version} (effective <time datetime="${policy.effectiveDate}">${policy.effectiveDate}</time>).</p>
${subprocessorTable(policy)}
<p class="muted">Also available as JSON: <a href="${path}?format=json">${path}?format=json</a>.</p>`;
  return layout({ policy, title: 'Sub-processors', path, body });
}

/** The same list as JSON, for machines and for customers who watch it for changes. */
export function subprocessorsJson(policy: Policy) {
  return {
    organization: policy.organization.name,
    version: policy.version,
    effectiveDate: policy.effectiveDate,
    subprocessors: policy.subprocessors.map((s) => ({
      name: s.name,
      purpose: s.purpose,
      location: s.location,
      url: s.url ?? null,
      categories: s.categories,
    })),
  };
}
