import { addDuration, type Policy } from '@custodian/core/policy';
import { PATHS } from '../paths.js';

/**
 * A field value must be one line: a value with a line break in it would add
 * fields of its own choosing. URLs are re-serialised (which percent-encodes
 * spaces and drops tabs and newlines); anything still not printable is left out.
 */
function oneLine(value: string): string | undefined {
  return /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

function uri(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? oneLine(url.href) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 3339 in UTC without fractional seconds: `2026-06-01T12:00:00Z`. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `/.well-known/security.txt` (RFC 9116, C24), valid until `now` plus
 * `contacts.security.expiresAfter`. `Canonical` is the file's address at the
 * root of the organisation's site, where RFC 9116 requires it to live.
 */
export function renderSecurityTxt(policy: Policy, now: Date): string {
  const security = policy.contacts.security;
  // The policy schema keeps expiresAfter within a year (RFC 9116 §2.5.5).
  const expires = addDuration(now, security.expiresAfter);
  const fields: Array<[string, string | undefined]> = [
    ['Contact', oneLine(`mailto:${security.email}`)],
    ['Contact', uri(security.url)],
    ['Expires', rfc3339(expires)],
    ['Encryption', uri(security.encryption)],
    ['Acknowledgments', uri(security.acknowledgments)],
    ['Preferred-Languages', security.preferredLanguages.filter((l) => oneLine(l)).join(', ') || undefined],
    ['Canonical', uri(new URL(PATHS.securityTxt, policy.organization.url).href)],
    ['Policy', uri(security.policy)],
    ['Hiring', uri(security.hiring)],
  ];
  return fields
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([name, value]) => `${name}: ${value}\n`)
    .join('');
}
