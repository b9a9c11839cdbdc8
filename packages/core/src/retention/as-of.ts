import type { Queryable } from '../db/types.js';
import { clockParam, type Clock } from '../jobs/clock.js';
import { CustodianError } from '../errors.js';

/**
 * The one instant a run or a plan measures every age against: the test
 * clock's, or the database's `now()` — never this process's clock, so every
 * instance decides alike.
 */
export async function resolveAsOf(db: Queryable, clock: Clock | undefined): Promise<Date> {
  let param: string | null;
  try {
    param = clockParam(clock);
  } catch {
    throw new CustodianError('ERR_RETENTION_INVALID', 'the clock returned an invalid time');
  }
  const { rows } = await db.query<{ at: Date }>('SELECT coalesce($1::timestamptz, now()) AS at', [param]);
  return rows[0]!.at;
}
