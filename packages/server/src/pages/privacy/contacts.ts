import type { Policy } from '@custodian/core/policy';
import { PATHS } from '../../paths.js';
import { html, link, mailto, type SafeHtml } from '../html.js';

export function contactsSection(policy: Policy): SafeHtml {
  const { privacy, security, dpo } = policy.contacts;
  return html`<h2 id="contacts">Contacts</h2>
<dl class="facts">
<dt>Privacy questions</dt><dd>${mailto(privacy.email)}${privacy.url && html` · ${link(privacy.url)}`}</dd>
${dpo && html`<dt>Data protection officer</dt><dd>${mailto(dpo.email)}${dpo.url && html` · ${link(dpo.url)}`}</dd>`}
<dt>Security reports</dt><dd>${mailto(security.email)}${security.url && html` · ${link(security.url)}`} · <a href="${PATHS.securityTxt}">security.txt</a></dd>
</dl>`;
}
