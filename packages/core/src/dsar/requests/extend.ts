import type { Database } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import { audited, inTransaction, invalid, lockRequest, requireStatus, text, updateRequest } from './context.js';
import type { DsarRequest, RequestOptions } from './types.js';

/**
 * Extends an open request's deadline by `days`, with the reason told to the
 * person. All extensions together stay within the jurisdiction's maximum
 * (GDPR 60 days more, CCPA 45), and an extension is decided within the first
 * period: after the first deadline has passed it is refused.
 *
 * @example
 * await extendDeadline(db, id, { days: 30, reason: 'archive data must be restored from cold storage' });
 */
export async function extendDeadline(db: Database, id: string, input: { days: number; reason: string }, options: RequestOptions = {}): Promise<DsarRequest> {
  const days = input?.days;
  if (!Number.isInteger(days) || days < 1 || days > 366) invalid('days must be a whole number from 1 to 366');
  const reason = text(input.reason, 'reason', 1000);
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, id, options);
    requireStatus(row, ['received', 'verified', 'in_progress'], 'extend');
    if (now.getTime() > row.due_at.getTime()) {
      throw new CustodianError('ERR_DSAR_EXTENSION_REFUSED', 'the first deadline has passed; an extension must be decided before it', {
        hint: 'answer the request now',
      });
    }
    const total = row.extended_days + days;
    if (total > row.max_extension_days) {
      throw new CustodianError('ERR_DSAR_EXTENSION_REFUSED', `the deadline may be extended by ${row.max_extension_days} days in all under ${row.jurisdiction}; ${row.extended_days} are used`, {
        hint: row.max_extension_days > row.extended_days ? `extend by at most ${row.max_extension_days - row.extended_days} days` : 'no extension is left',
      });
    }
    const extended = await updateRequest(
      tx,
      row.id,
      `extended_days = $3::int, extended_due_at = due_at + $3::int * interval '1 day', extension_reason = $4`,
      [total, reason],
      now,
    );
    await audited(tx, options, extended, 'dsar.extended', { days, total_days: total, deadline: extended.deadline.toISOString(), reason });
    return extended;
  });
}
