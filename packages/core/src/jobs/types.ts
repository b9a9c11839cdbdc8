import type { JsonObject } from '../audit/types.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** One row of `custodian.jobs`, as the library returns it. */
export interface Job {
  id: number;
  task: string;
  payload: JsonObject;
  state: JobState;
  runAt: Date;
  /** Claims so far, the current one included. */
  attempts: number;
  maxAttempts: number;
  /** The last failure's stable code (`ERR_…`) and redacted message. */
  lastErrorCode: string | null;
  lastError: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  key: string | null;
  progress: { done: number; total: number } | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What to enqueue. */
export interface JobSpec {
  /** Namespaced, lower case: `dsar.run`, `retention.sweep`. */
  task: string;
  /** Names things (ids), never personal data or secrets. At most 16 KiB of JSON. */
  payload?: JsonObject;
  /** At most one unfinished job per key: adding a second returns the first. */
  key?: string;
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Default 10. */
  maxAttempts?: number;
}

/** How failed attempts are spaced: `baseMs · 2^(attempts−1)`, at most `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Default: 5 s, 10 s, 20 s … up to an hour. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 3_600_000 };
