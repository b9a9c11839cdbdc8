import { verifyIdentity } from '@custodian/core/dsar';
import { textChangeAction } from './request-change.js';

export const { usage, run } = textChangeAction({
  action: 'verify',
  usage: `custodian dsar verify <request id> --method <how> [--json]

verify records that the person's identity was verified and how (email-link,
       document, signed-in); a restriction or objection takes effect now`,
  flag: 'method',
  hint: 'say how the identity was verified, e.g. --method email-link',
  verb: 'verified',
  change: (db, id, method, actor) => verifyIdentity(db, id, { method }, { actor }),
});
