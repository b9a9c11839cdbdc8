import { completeRequest } from '@custodian/core/dsar';
import { textChangeAction } from './request-change.js';

export const { usage, run } = textChangeAction({
  action: 'complete',
  usage: `custodian dsar complete <request id> --note <text> [--json]

complete closes a verified or in-progress request done by hand (a rectification made,
       an objection answered) with a note of what was done, kept as its result and
       in its dsar.completed audit event; access and erasure requests complete
       themselves when \`dsar run\` or the server carries them out`,
  flag: 'note',
  hint: 'say what was done, e.g. --note "corrected the postal address"',
  maxLength: 1000,
  verb: 'completed',
  change: (db, id, note, actor) => completeRequest(db, id, { result: { note } }, { actor }),
});
