import type { Policy } from '@custodian/core/policy';
import { retentionSchedule, type ScheduleEntry } from '@custodian/core/retention';
import { BASIS_NAMES } from '../describe.js';
import { html, type SafeHtml } from '../html.js';

function row(e: ScheduleEntry): SafeHtml {
  return html`<tr data-rule="${e.ruleId}" data-stage="${e.stage}">
<td>${e.data}${e.description !== e.data || e.scope ? html`<br><span class="muted">${e.description !== e.data ? e.description : ''}${e.scope ? html` (${e.scope})` : ''}</span>` : ''}</td>
<td>${e.from}</td>
<td>${e.after}</td>
<td>${e.action}${e.notice ? html`<br><span class="muted">${e.notice}</span>` : ''}</td>
<td>${BASIS_NAMES[e.basis]}${e.reference ? html`<br><span class="muted">${e.reference}</span>` : ''}</td>
</tr>`;
}

/**
 * The retention table (C17): rendered from `retentionSchedule`, the same
 * compilation of the policy the retention jobs run from, and from nothing else.
 */
export function howLongWeKeep(policy: Policy): SafeHtml {
  return html`<h2 id="retention">How long we keep data</h2>
<p>Each period below is read from the same policy that Custodian enforces; the page is generated from it, so the two cannot differ. A later step counts from the step before it.</p>
<table id="retention-schedule">
<thead><tr><th>Data</th><th>Counted from</th><th>After</th><th>What happens</th><th>Why</th></tr></thead>
<tbody>
${retentionSchedule(policy).map(row)}
</tbody>
</table>`;
}
