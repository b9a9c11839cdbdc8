import { liftRestriction } from '@custodian/core/dsar';
import { textChangeAction } from './request-change.js';

export const { usage, run } = textChangeAction({
  action: 'lift',
  usage: `custodian dsar lift <request id> --reason <text> [--json]

lift   lifts the restriction a verified restriction or objection request put in place
       (C12), with the reason, audited; processing of the person may resume`,
  flag: 'reason',
  hint: 'e.g. --reason "the accuracy of the data was verified"',
  verb: 'lifted the restriction of',
  change: (db, id, reason, actor) => liftRestriction(db, id, { reason }, { actor }),
});
