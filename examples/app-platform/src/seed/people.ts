import { createHash } from 'node:crypto';
import { SeededRandom, fakePerson } from '@custodian/core/testing';
import type { PendingSeal } from './sealing.js';

const DAY = 86_400_000;

/** What later generators need to know about a seeded person. */
export interface SeededUser {
  id: string;
  name: string;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface PeopleRows {
  users: SeededUser[];
  rows: {
    users: Record<string, unknown>[];
    profiles: Record<string, unknown>[];
    oauth_tokens: Record<string, unknown>[];
    sessions: Record<string, unknown>[];
  };
  /** Refresh tokens still to be sealed into their rows (A2). */
  seals: PendingSeal[];
}

const BIOS = ['Builds tiny tools for big teams.', 'Weekend game maker.', 'Teacher making quiz apps.', 'Data nerd, chart enthusiast.', 'Learning React one app at a time.'];

/** Digits only, from the seeded stream: fake numbers that look like real ones. */
export function digits(rng: SeededRandom, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(rng.int(0, 9));
  return s;
}

/**
 * Accounts as Google sign-in leaves them. About 3% were deleted in the last
 * 60 days: already soft-deleted and signed out (A7's immediate steps), their
 * identifying fields still waiting for the 30-day purge, so a retention run
 * over this data has work to do on both sides of the 30-day line.
 */
export function generatePeople(seed: string, subjects: number, now: Date): PeopleRows {
  const rng = new SeededRandom(`${seed}:people`);
  const out: PeopleRows = { users: [], rows: { users: [], profiles: [], oauth_tokens: [], sessions: [] }, seals: [] };
  const earliest = new Date(now.getTime() - 9 * 365 * DAY);
  for (let n = 0; n < subjects; n++) {
    const person = fakePerson(rng, n);
    const id = rng.uuid();
    const createdAt = rng.date(earliest, new Date(now.getTime() - DAY));
    const deletedAt = rng.chance(0.03) ? rng.date(new Date(Math.max(createdAt.getTime(), now.getTime() - 60 * DAY)), now) : null;
    const end = deletedAt ?? now;
    out.users.push({ id, name: person.name, createdAt, deletedAt });
    out.rows.users.push({
      id,
      // Unique by construction: the person's number leads the digits.
      google_sub: `1${String(n).padStart(8, '0')}${digits(rng, 12)}`,
      email: person.email,
      name: person.name,
      image_url: `https://images.people.example/avatars/${n}.png`,
      created_at: createdAt,
      last_sign_in_at: rng.date(createdAt, end),
      deleted_at: deletedAt,
    });
    if (rng.chance(0.9)) {
      out.rows.profiles.push({
        user_id: id,
        display_name: rng.chance(0.5) ? person.first : person.name,
        handle: rng.chance(0.6) ? `${person.first.toLowerCase()}_${n}` : null,
        bio: rng.chance(0.4) ? rng.pick(BIOS) : null,
        date_of_birth: rng.chance(0.5) ? rng.date(new Date('1950-01-01'), new Date('2006-01-01')).toISOString().slice(0, 10) : null,
        updated_at: rng.date(createdAt, end),
      });
    }
    if (!deletedAt) {
      const tokenId = rng.uuid();
      const refreshToken = `1//0g${rng.hex(40)}`;
      const token: Record<string, unknown> = {
        id: tokenId,
        user_id: id,
        provider: 'google',
        scope: 'openid email profile',
        refresh_token_ciphertext: null, // sealed by the seed before insert (A2)
        created_at: createdAt,
        updated_at: rng.date(createdAt, end),
      };
      out.rows.oauth_tokens.push(token);
      out.seals.push({ table: 'oauth_tokens', column: 'refresh_token_ciphertext', row: token, subject: id, plaintext: refreshToken });
    }
    const sessionCount = rng.int(1, 2);
    for (let s = 0; s < sessionCount; s++) {
      const started = rng.date(createdAt, end);
      // Only the hash of a token nobody holds: the seed never makes a usable cookie.
      const tokenHash = createHash('sha256').update(rng.hex(32)).digest('hex');
      const expires = new Date(started.getTime() + 30 * DAY);
      const endedBySignOut = rng.chance(0.4) ? rng.date(started, new Date(Math.min(expires.getTime(), end.getTime()))) : null;
      out.rows.sessions.push({
        id: rng.uuid(),
        user_id: id,
        token_hash: tokenHash,
        created_at: started,
        expires_at: expires,
        // A7: deletion ended every session still open.
        ended_at: deletedAt && (!endedBySignOut || endedBySignOut > deletedAt) ? deletedAt : endedBySignOut,
      });
    }
  }
  return out;
}
