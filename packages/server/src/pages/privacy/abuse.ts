import { describeDuration, type Policy } from '@custodian/core/policy';
import { html, type SafeHtml } from '../html.js';

/** What a route class is, in words a visitor reads; classes an application names itself are shown by name. */
const CLASS_NAMES: Record<string, string> = {
  signin: 'Signing in',
  'invite-lookup': 'Opening an invite link',
  'self-service': 'Exporting or deleting your own data',
  api: 'Everything else in our API',
};

type Limit = { points: number; per: string; blockFor?: string | undefined };

const limitText = (limit: Limit, who: string) =>
  `${limit.points} per ${describeDuration(limit.per)} per ${who}${limit.blockFor ? `, then blocked for ${describeDuration(limit.blockFor)}` : ''}`;

/** Whether the policy states any abuse protection to publish. */
export const hasAbuseSection = (policy: Policy): boolean =>
  Object.keys(policy.rateLimits).length > 0 || policy.bruteForce !== undefined || policy.blocklist !== undefined;

/**
 * C21–C23 on the privacy page, from the same `rateLimits`, `bruteForce` and
 * `blocklist` the server enforces: the figures a reader sees are the ones
 * the limiter counts with. Nothing is shown when the policy declares none.
 */
export function abuseProtection(policy: Policy): SafeHtml {
  if (!hasAbuseSection(policy)) return html``;
  const classes = Object.entries(policy.rateLimits);
  const bf = policy.bruteForce;
  const block = policy.blocklist;
  const bfClasses = (bf?.routeClasses ?? []).map((c) => (CLASS_NAMES[c] ?? c).toLowerCase());
  return html`<h2 id="abuse">How we protect accounts from abuse</h2>
${
  classes.length > 0
    ? html`<p>We limit how often each kind of request can be made, per network address and per account, so that nobody can guess their way in or overload the service for others.</p>
<table id="rate-limits">
<thead><tr><th>Request</th><th>Per address</th><th>Per account</th></tr></thead>
<tbody>
${classes.map(
  ([name, c]) =>
    html`<tr data-class="${name}"><td>${CLASS_NAMES[name] ?? name}</td><td>${c.perIp ? limitText(c.perIp, 'address') : '—'}</td><td>${c.perIdentity ? limitText(c.perIdentity, 'account') : '—'}</td></tr>`,
)}
</tbody>
</table>`
    : ''
}
${
  bf
    ? html`<p id="brute-force">After ${bf.maxFailures} failed attempts within ${describeDuration(bf.per)} (${bfClasses.join(', ') || 'none'}), further attempts from that address, or at that invite, are blocked for ${describeDuration(bf.blockFor)}${bf.escalation > 1 ? html`, and each repeated block lasts ${bf.escalation} times longer` : ''}. Every block is recorded in our audit log, and your organisation sees the blocks that affected its members on its own audit page.</p>`
    : ''
}
${
  block
    ? html`<p id="blocklist">During a security incident we can block network addresses. Every entry states a reason and ends by itself, after at most ${describeDuration(block.maxExpiry)}; every change is recorded in our audit log.</p>`
    : ''
}`;
}
