import { approxSeconds } from '../../policy/duration.js';
import type { Policy } from '../../policy/index.js';
import type { Jurisdiction } from './types.js';

const DAY = 86_400;

/**
 * The jurisdictions a policy declares (`requests.jurisdictions`: a deadline
 * and an extension per jurisdiction, GDPR 30 + 60 days and CCPA 45 + 45 by
 * default), as request deadlines count them: in whole days, rounded up.
 *
 * @example
 * await createRequest(db, { person, identity: 'email', kind: 'erasure', jurisdiction: policy.requests.defaultJurisdiction }, { jurisdictions: jurisdictionsOf(policy) });
 */
export function jurisdictionsOf(policy: Policy): Record<string, Jurisdiction> {
  const out: Record<string, Jurisdiction> = {};
  for (const [name, j] of Object.entries(policy.requests.jurisdictions)) {
    out[name] = { days: Math.ceil(approxSeconds(j.deadline) / DAY), maxExtensionDays: j.extension === undefined ? 0 : Math.ceil(approxSeconds(j.extension) / DAY) };
  }
  return out;
}
