import type { Policy } from '@custodian/core/policy';
import { PATHS } from '../../paths.js';
import { html, type SafeHtml } from '../html.js';
import { subprocessorTable } from '../subprocessor-table.js';

/** The sub-processor list, the same table `/legal/subprocessors` serves (C25). */
export function subprocessorsSection(policy: Policy): SafeHtml {
  return html`<h2 id="subprocessors">Sub-processors</h2>
<p>These companies process personal data on our behalf. The list is also published at <a href="${PATHS.subprocessors}">${PATHS.subprocessors}</a>, as a page and as JSON.</p>
${subprocessorTable(policy)}`;
}
