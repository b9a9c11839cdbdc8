import type { Policy } from '@custodian/core/policy';
import { retentionSchedule } from '@custodian/core/retention';
import { PATHS } from '../paths.js';
import { encryptedFields } from './describe.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** The demo's front page: what is here, and a link to each generated page. */
export function renderHomePage(policy: Policy, path: string): string {
  const tables = Object.keys(policy.tables).length;
  const cards: Array<[href: string, title: string, text: string]> = [
    [PATHS.privacy, 'Privacy policy', `What is stored and why, what is encrypted, ${retentionSchedule(policy).length} retention periods, your rights and contacts.`],
    [PATHS.dataMap, 'Data map', `${tables} tables, column by column: category, encryption (${encryptedFields(policy).length} fields), erase action and owner path.`],
    [PATHS.subprocessors, 'Sub-processors', `${policy.subprocessors.length} companies that process personal data, as a page or JSON.`],
    [PATHS.policy, 'Policy as JSON', 'The validated policy itself, exactly as the server enforces it.'],
    [PATHS.securityTxt, 'security.txt', 'Where to report a vulnerability (RFC 9116).'],
    [PATHS.health, 'Health', 'Whether the server and its database answer.'],
  ];
  const body = html`<h1>${policy.organization.name}</h1>
<p class="lead">Privacy policy version ${policy.version}, effective <time datetime="${policy.effectiveDate}">${policy.effectiveDate}</time>. Every page here is generated from the one policy the code enforces.</p>
<div class="cards">
${cards.map(([href, title, text]) => html`<a class="card" href="${href}"><h3>${title}</h3><p>${text}</p></a>`)}
</div>`;
  return layout({ policy, title: 'Home', path, body });
}
