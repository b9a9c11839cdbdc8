import { REQUEST_KINDS, describeDuration, type Policy } from '@custodian/core/policy';
import { PATHS } from '../../paths.js';
import { REQUEST_KIND_NAMES, columnName, describeErase, tablesAboutPeople } from '../describe.js';
import { html, mailto, type SafeHtml } from '../html.js';

function deadlines(policy: Policy): SafeHtml {
  const { jurisdictions, defaultJurisdiction } = policy.requests;
  return html`<table>
<thead><tr><th>Law</th><th>We respond within</th><th>Extension, when we tell you why</th></tr></thead>
<tbody>
${Object.entries(jurisdictions).map(
  ([id, j]) => html`<tr><td>${j.name}${id === defaultJurisdiction ? html` <span class="tag">applies by default</span>` : ''}</td><td>${describeDuration(j.deadline)}</td><td>${j.extension ? `up to ${describeDuration(j.extension)} more` : html`<span class="muted">none</span>`}</td></tr>`,
)}
</tbody>
</table>`;
}

function selfService(policy: Policy): SafeHtml {
  const { selfService: offered, exportLinkTtl } = policy.requests;
  if (!offered.export && !offered.deletion) return html``;
  return html`<h3>Without writing to us</h3>
<p>When you are signed in, you can use these endpoints yourself:</p>
<ul>
${offered.export && html`<li><code>GET ${PATHS.selfExport}</code> — download the data about you as JSON. Links to an export work for ${describeDuration(exportLinkTtl)}.</li>`}
${offered.deletion && html`<li><code>POST ${PATHS.selfDeletion}</code> — ask for your account and data to be deleted.</li>`}
</ul>`;
}

/** What erasure does, table by table: taken from each table's and column's `erase` action. */
function erasure(policy: Policy): SafeHtml {
  const rows = tablesAboutPeople(policy).flatMap(([, t]) => {
    const columns = Object.entries(t.columns).filter(([, c]) => c.erase);
    if (!t.erase && columns.length === 0) return [];
    const parts = [
      ...(t.erase ? [`The record: ${describeErase(t.erase, policy)}`] : []),
      ...columns.map(([name, c]) => `${columnName(name, c)}: ${describeErase(c.erase!, policy)}`),
    ];
    return [html`<tr><td>${t.description}</td><td>${parts.map((p, i) => html`${i > 0 ? html`<br>` : ''}${p}`)}</td></tr>`];
  });
  if (rows.length === 0) return html``;
  return html`<h3>What deletion does</h3>
<table><thead><tr><th>Data</th><th>When you are erased</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Rights, how to exercise them, and how fast we answer (C10, C11, B7, C12). */
export function yourRights(policy: Policy): SafeHtml {
  const kinds = REQUEST_KINDS.filter((k) => policy.requests.kinds.includes(k));
  const contact = policy.requestsContact ?? policy.contacts.privacy.email;
  return html`<h2 id="rights">Your rights and how to use them</h2>
<p>You can ask us for:</p>
<ul>${kinds.map((k) => {
    const [name, what] = REQUEST_KIND_NAMES[k] ?? [k, ''];
    return html`<li><strong>${name}</strong> — ${what}</li>`;
  })}</ul>
<p>Write to ${mailto(contact)}. Every request is recorded with its deadline and tracked until it is done.</p>
${deadlines(policy)}
${selfService(policy)}
${erasure(policy)}`;
}
