import { rejectRequest } from '@custodian/core/dsar';
import { textChangeAction } from './request-change.js';

export const { usage, run } = textChangeAction({
  action: 'reject',
  usage: `custodian dsar reject <request id> --reason <text> [--json]

reject closes an open request with the reason given to the person; a restriction
       it put in place is lifted`,
  flag: 'reason',
  hint: 'the person is told why, e.g. --reason "identity could not be verified"',
  verb: 'rejected',
  change: (db, id, reason, actor) => rejectRequest(db, id, { reason }, { actor }),
});
