import type { Encryption, Policy } from '@custodian/core/policy';
import { ALGORITHM_NAMES, KEY_SCOPES, encryptedFields } from '../describe.js';
import { html, type SafeHtml } from '../html.js';

const EXPORT_FORMS: Record<Encryption['export'], string> = {
  encrypted: 'stays encrypted in your data export',
  decrypted: 'decrypted in your data export',
  omit: 'left out of your data export',
};

function safeguards(e: Encryption): string[] {
  const out: string[] = [];
  if (e.auditDecrypt) out.push('every decryption is recorded in the audit log');
  if (e.purposes.length > 0) out.push(`decrypted only for: ${e.purposes.join(', ')}`);
  if (e.mask) out.push(`only the ${e.mask.keep} ${e.mask.length} characters are kept in readable form, for display`);
  if (e.blindIndex) out.push('looked up by a keyed hash, never by its plaintext');
  out.push(EXPORT_FORMS[e.export]);
  return out;
}

/** Which fields are encrypted in the application before they reach the database, with what and whose key. */
export function whatIsEncrypted(policy: Policy): SafeHtml {
  const fields = encryptedFields(policy);
  if (fields.length === 0) {
    return html`<h2 id="encryption">What is encrypted and how</h2><p>No fields are encrypted by the application itself.</p>`;
  }
  return html`<h2 id="encryption">What is encrypted and how</h2>
<p>These fields are encrypted by our application before they are written to the database, so the database holds only their ciphertext.</p>
<table>
<thead><tr><th>Data</th><th>Field</th><th>Algorithm</th><th>Key</th><th>Safeguards</th></tr></thead>
<tbody>
${fields.map(
  (f) => html`<tr><td>${f.tableDescription}</td><td>${f.field}</td><td>${ALGORITHM_NAMES[f.encryption.algorithm]}</td><td>${KEY_SCOPES[f.encryption.keyScope]}</td><td>${safeguards(f.encryption).map((s, i) => html`${i > 0 ? html`<br>` : ''}${s}`)}</td></tr>`,
)}
</tbody>
</table>`;
}
