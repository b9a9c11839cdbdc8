import { isPersonal, ownersOf, type Column, type Policy, type Table } from '@custodian/core/policy';
import { ALGORITHM_NAMES, categoryName, describeErase, ownerHops } from './describe.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import { PATHS } from '../paths.js';

function encryption(c: Column): SafeHtml {
  const e = c.encryption;
  if (!e) return html`<span class="muted">—</span>`;
  return html`${ALGORITHM_NAMES[e.algorithm]}<br><span class="muted">key per ${e.keyScope}${e.auditDecrypt ? ', decrypts audited' : ''}${e.mask ? `, ${e.mask.keep} ${e.mask.length} kept in ${e.mask.column}` : ''}${e.blindIndex ? `, blind index in ${e.blindIndex.column}` : ''}</span>`;
}

function owners(policy: Policy, name: string, t: Table): SafeHtml {
  const subjectOf = Object.entries(policy.subjects).filter(([, s]) => s.table === name);
  const lines = [
    ...subjectOf.map(([id]) => html`one row per <strong>${id}</strong> (the subject table)`),
    ...ownersOf(t).map(
      (o) => html`<strong>${o.subject}</strong>: ${ownerHops(policy, name, o).map((hop, i) => html`${i > 0 ? ' · ' : ''}<code>${hop}</code>`)}`,
    ),
  ];
  if (lines.length === 0) return html`<span class="muted">${t.notAboutPersons ? `not about persons: ${t.notAboutPersons}` : 'no owner'}</span>`;
  return html`${lines.map((l, i) => html`${i > 0 ? html`<br>` : ''}${l}`)}`;
}

function tableSection(policy: Policy, name: string, t: Table): SafeHtml {
  const rules = policy.retention.filter((r) => r.kind === 'age' && r.table === name).map((r) => r.id);
  const columns = Object.entries(t.columns);
  return html`<section class="table" id="table-${name}">
<h3><code>${name}</code> — ${t.description}</h3>
<dl class="facts">
<dt>Purpose</dt><dd>${t.purpose}</dd>
<dt>Belongs to</dt><dd>${owners(policy, name, t)}</dd>
${t.tenant && html`<dt>Tenant column</dt><dd><code>${t.tenant}</code></dd>`}
${t.softDelete && html`<dt>Soft delete</dt><dd><code>${t.softDelete}</code></dd>`}
${t.erase && html`<dt>On erasure</dt><dd>row ${describeErase(t.erase, policy)}</dd>`}
${rules.length > 0 && html`<dt>Retention</dt><dd>${rules.map((id) => html`<a class="tag" href="${PATHS.privacy}#retention">${id}</a>`)}</dd>`}
</dl>
${columns.length === 0
  ? html`<p class="muted">No columns declared.</p>`
  : html`<table>
<thead><tr><th>Column</th><th>Category</th><th>Encryption</th><th>On erasure</th></tr></thead>
<tbody>
${columns.map(
  ([col, c]) => html`<tr><td><code>${col}</code>${c.description && html`<br><span class="muted">${c.description}</span>`}${c.secret ? html` <span class="tag">secret</span>` : ''}</td><td>${categoryName(c.category)}${isPersonal(c) ? '' : html` <span class="tag">not personal</span>`}</td><td>${encryption(c)}</td><td>${c.erase ? describeErase(c.erase, policy) : html`<span class="muted">${t.erase ? 'with the row' : '—'}</span>`}</td></tr>`,
)}
</tbody>
</table>`}
</section>`;
}

/** Every table → its columns, with category, encryption, erase action and how its rows reach a person. */
export function renderDataMap(policy: Policy, path: string): string {
  const tables = Object.entries(policy.tables);
  const body = html`<h1>Data map</h1>
<p class="lead">Every table the policy declares, how its rows belong to a person, and what happens to each column when that person is erased. Generated from policy version ${policy.version}.</p>
<p>${tables.map(([name], i) => html`${i > 0 ? ' · ' : ''}<a href="#table-${name}"><code>${name}</code></a>`)}</p>
${tables.map(([name, t]) => tableSection(policy, name, t))}`;
  return layout({ policy, title: 'Data map', path, body });
}
