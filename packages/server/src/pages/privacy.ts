import type { Policy } from '@custodian/core/policy';
import { html } from './html.js';
import { layout } from './layout.js';
import { abuseProtection, hasAbuseSection } from './privacy/abuse.js';
import { changesSection } from './privacy/changes.js';
import { contactsSection } from './privacy/contacts.js';
import { whatIsEncrypted } from './privacy/encryption.js';
import { whereDataLives } from './privacy/regions.js';
import { howLongWeKeep } from './privacy/retention.js';
import { yourRights } from './privacy/rights.js';
import { whatWeStore } from './privacy/stored.js';
import { subprocessorsSection } from './privacy/subprocessors.js';
import { whoWeAre } from './privacy/who.js';

const CONTENTS: ReadonlyArray<[id: string, title: string]> = [
  ['who-we-are', 'Who we are'],
  ['what-we-store', 'What we store and why'],
  ['encryption', 'What is encrypted and how'],
  ['abuse', 'How we protect accounts from abuse'],
  ['retention', 'How long we keep data'],
  ['regions', 'Where your data is stored'],
  ['subprocessors', 'Sub-processors'],
  ['rights', 'Your rights and how to use them'],
  ['contacts', 'Contacts'],
  ['changes', 'Changes to this policy'],
];

/**
 * The privacy page, generated entirely from the policy: every statement on
 * it is a rendering of a field the code enforces, so the two cannot drift (C17).
 */
export function renderPrivacyPage(policy: Policy, path: string): string {
  const contents = CONTENTS.filter(([id]) => id !== 'abuse' || hasAbuseSection(policy));
  const body = html`<h1>Privacy policy</h1>
<p class="lead">${policy.organization.name} · version ${policy.version} · effective <time datetime="${policy.effectiveDate}">${policy.effectiveDate}</time></p>
<nav aria-label="Contents"><ol>${contents.map(([id, title]) => html`<li><a href="#${id}">${title}</a></li>`)}</ol></nav>
${whoWeAre(policy)}
${whatWeStore(policy)}
${whatIsEncrypted(policy)}
${abuseProtection(policy)}
${howLongWeKeep(policy)}
${whereDataLives(policy)}
${subprocessorsSection(policy)}
${yourRights(policy)}
${contactsSection(policy)}
${changesSection(policy)}`;
  return layout({ policy, title: 'Privacy policy', path, body });
}
