import type { Database } from '../db/types.js';
import { writeCheckpoints, type Checkpoint } from './checkpoint.js';
import type { CheckpointSigner } from './signing-key.js';

export interface CheckpointSchedule {
  /** Stops the schedule and waits for a round in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Signs checkpoints every `intervalMs` (default 5 minutes) for every tenant
 * whose chain grew — the in-process alternative to running
 * `custodian audit checkpoint` from cron. The interval bounds how much recent
 * history could be rewritten before a signed checkpoint covers it. A failed
 * round is reported to `onError` and the next one runs as planned. Several
 * instances may run it at once: a size is signed once, and a checkpoint that
 * disagrees with the chain is refused by the database.
 *
 * @example
 * const schedule = scheduleCheckpoints(db, signer, { intervalMs: 60_000, onError: (e) => log.error(e) });
 * process.once('SIGTERM', () => schedule.stop());
 */
export function scheduleCheckpoints(
  db: Database,
  signer: CheckpointSigner,
  options: { intervalMs?: number; onWritten?: (written: Checkpoint[]) => void; onError?: (error: unknown) => void } = {},
): CheckpointSchedule {
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  if (!Number.isFinite(intervalMs) || intervalMs < 10) throw new RangeError('intervalMs must be at least 10');
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = async () => {
    try {
      const written = await writeCheckpoints(db, signer);
      if (written.length > 0) options.onWritten?.(written);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(round); // rounds never overlap
  }, intervalMs);
  timer.unref(); // a schedule alone does not keep the process alive
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
