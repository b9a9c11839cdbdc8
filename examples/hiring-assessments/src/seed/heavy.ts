import type { Transaction } from '@custodian/core/db';
import { SeededRandom, insertMany } from '@custodian/core/testing';
import { appendSessionEvents } from './events.js';
import { DAY, MINUTE, addMs } from './time.js';

type Row = Record<string, unknown>;

export interface HeavySubject {
  companyId: string;
  candidateId: string;
  sessionId: string;
  events: number;
}

/** Inserted slice by slice, so a million events never sit in memory at once. */
const SLICE = 20_000;

/**
 * Gives one candidate a single long session with `events` events, for the
 * benchmarks that export or erase a person with a lot of data. It draws from
 * its own random stream, so every other row is the same with or without it.
 */
export async function addHeavySubject(
  tx: Transaction,
  subject: { companyId: string; candidateId: string },
  events: number,
  seed: number | string,
  now: Date,
): Promise<{ heavy: HeavySubject; rows: { sessions: number; events: number } }> {
  const rng = new SeededRandom(`${String(seed)}:heavy-subject`);
  const sessionId = rng.uuid();
  const startedAt = addMs(now, -10 * DAY);
  const completedAt = addMs(startedAt, 180 * MINUTE);
  const sessions = await insertMany(tx, 'assessment_sessions', [
    {
      company_id: subject.companyId,
      id: sessionId,
      candidate_id: subject.candidateId,
      invite_id: null,
      title: 'Extended take-home assessment',
      status: 'completed',
      started_at: startedAt,
      completed_at: completedAt,
      score: 88.5,
      summary: 'A long session kept for load testing.',
      client_ip: '198.51.100.7',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      deleted_at: null,
    },
  ]);
  await tx.query('UPDATE candidates SET last_login_at = greatest(last_login_at, $3) WHERE company_id = $1 AND id = $2', [
    subject.companyId,
    subject.candidateId,
    startedAt,
  ]);
  const span = { companyId: subject.companyId, sessionId, startedAt, endedAt: completedAt };
  let inserted = 0;
  for (let from = 0; from < events; from += SLICE) {
    const slice: Row[] = [];
    appendSessionEvents(rng, span, events, from, Math.min(events, from + SLICE), slice);
    inserted += await insertMany(tx, 'session_events', slice, { chunkSize: 10_000 });
  }
  return { heavy: { ...subject, sessionId, events: inserted }, rows: { sessions, events: inserted } };
}
