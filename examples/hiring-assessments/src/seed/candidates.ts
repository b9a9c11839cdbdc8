import { fakePerson, type SeededRandom } from '@custodian/core/testing';
import type { CompanyContext } from './companies.js';
import { appendSessionEvents } from './events.js';
import { DAY, MINUTE, addDays, addMs, earliest, latest } from './time.js';
import { hashInviteToken, inviteToken } from './tokens.js';
import { ASSESSMENT_TITLES, REVIEW_NOTES, SUMMARIES, USER_AGENTS } from './vocabulary.js';

type Row = Record<string, unknown>;

/** Rows for a run of candidates, inserted together table by table. */
export interface CandidateBatch {
  candidates: Row[];
  invites: Row[];
  sessions: Row[];
  events: Row[];
  scorecards: Row[];
}

export const emptyBatch = (): CandidateBatch => ({ candidates: [], invites: [], sessions: [], events: [], scorecards: [] });

export interface CandidateSettings {
  seed: number | string;
  now: Date;
  eventsPerSession: number;
}

const INVITE_TTL = 14 * DAY;
/** C13's boundary: the sweep soft-deletes sessions this long after completion. */
const SOFT_DELETE_AFTER = 180 * DAY;

function sessionOutcome(rng: SeededRandom, startedAt: Date, now: Date): { status: string; endedAt: Date; completedAt: Date | null } {
  const endedAt = addMs(startedAt, rng.int(30, 120) * MINUTE);
  const roll = rng.next();
  if (endedAt.getTime() > now.getTime()) return { status: 'in_progress', endedAt: now, completedAt: null };
  if (roll < 0.85) return { status: 'completed', endedAt, completedAt: endedAt };
  return { status: 'abandoned', endedAt, completedAt: null };
}

/**
 * One candidate with their invites, sessions, events and scorecards. Dates
 * fall within the company's contract and up to three years back, so every
 * retention boundary has rows on both sides: sessions completed more and
 * less than 180 days ago, some already soft-deleted more and less than 30
 * days ago (C13); candidates active and inactive for over two years (C14);
 * a few who asked to be deleted (C11).
 */
export function appendCandidate(rng: SeededRandom, n: number, company: CompanyContext, settings: CandidateSettings, out: CandidateBatch): void {
  const { now, seed } = settings;
  const person = fakePerson(rng, n);
  const id = rng.uuid();
  const windowEnd = earliest(addMs(now, -MINUTE), company.endedAt ?? now);
  const windowStart = latest(company.startedAt, addDays(now, -3 * 365));
  const createdAt = rng.date(earliest(windowStart, addMs(windowEnd, -DAY)), windowEnd);

  let lastInvitedAt = createdAt;
  let lastLoginAt: Date | null = null;
  const inviteCount = rng.chance(0.4) ? 2 : 1;
  for (let i = 0; i < inviteCount; i++) {
    const inviteId = rng.uuid();
    const invitedAt = i === 0 ? createdAt : rng.date(createdAt, windowEnd);
    if (invitedAt > lastInvitedAt) lastInvitedAt = invitedAt;
    const expiresAt = addMs(invitedAt, INVITE_TTL);
    const startedAt = addMs(invitedAt, rng.int(10, 6 * 24 * 60) * MINUTE);
    const takesIt = startedAt < now && rng.chance(0.9);
    out.invites.push({
      company_id: company.id,
      id: inviteId,
      candidate_id: id,
      token_hash: hashInviteToken(inviteToken(seed, inviteId)),
      invited_by: rng.pick(company.staff),
      expires_at: expiresAt,
      used_at: takesIt ? startedAt : null,
      created_at: invitedAt,
    });
    if (!takesIt) continue;

    if (!lastLoginAt || startedAt > lastLoginAt) lastLoginAt = startedAt;
    const sessionId = rng.uuid();
    const { status, endedAt, completedAt } = sessionOutcome(rng, startedAt, now);
    const sweptAt = completedAt ? addMs(completedAt, SOFT_DELETE_AFTER) : null;
    out.sessions.push({
      company_id: company.id,
      id: sessionId,
      candidate_id: id,
      invite_id: inviteId,
      title: rng.pick(ASSESSMENT_TITLES),
      status,
      started_at: startedAt,
      completed_at: completedAt,
      score: completedAt ? rng.int(0, 10_000) / 100 : null,
      summary: completedAt ? rng.pick(SUMMARIES) : null,
      client_ip: `203.0.113.${rng.int(1, 254)}`,
      user_agent: rng.pick(USER_AGENTS),
      // Half the sessions past the 180-day mark were already swept, as if the job had run.
      deleted_at: sweptAt && sweptAt < now && rng.chance(0.5) ? sweptAt : null,
    });

    const e = settings.eventsPerSession;
    const eventCount = e > 0 ? rng.int(Math.ceil(e / 2), Math.floor((3 * e) / 2)) : 0;
    appendSessionEvents(rng, { companyId: company.id, sessionId, startedAt, endedAt }, eventCount, 0, eventCount, out.events);

    if (completedAt && rng.chance(0.3)) {
      const reviews = rng.chance(0.1) ? 2 : 1;
      for (let r = 0; r < reviews; r++) {
        out.scorecards.push({
          company_id: company.id,
          id: rng.uuid(),
          session_id: sessionId,
          reviewer_member_id: rng.pick(company.staff),
          rating: rng.int(1, 5),
          notes: rng.pick(REVIEW_NOTES),
          created_at: earliest(addMs(completedAt, rng.int(60, 5 * 24 * 60) * MINUTE), now),
        });
      }
    }
  }

  // A few asked to be deleted (C11), some more than 30 days ago, i.e. overdue.
  const deletedAt = n > 0 && rng.chance(0.02) ? rng.date(latest(createdAt, addDays(now, -60)), now) : null;
  out.candidates.push({
    company_id: company.id,
    id,
    email: person.email,
    full_name: person.name,
    last_login_at: lastLoginAt,
    last_invited_at: lastInvitedAt,
    created_at: createdAt,
    deleted_at: deletedAt,
  });
}
