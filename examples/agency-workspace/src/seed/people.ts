import { SeededRandom, fakePerson } from '@custodian/core/testing';

const DAY = 86_400_000;
const LANGUAGES = ['en', 'en', 'en', 'en-GB', 'fr', 'de', 'es', 'ar', 'ja', 'pt-BR'];

export interface SeededUser {
  id: string;
  createdAt: Date;
  deletedAt: Date | null;
}

/**
 * People. About 2% filed a deletion request that has run: their row is
 * already pseudonymised as B6 describes, and they belong to no workspace,
 * though messages and activity they left still point at them.
 */
export function generateUsers(seed: string, subjects: number, now: Date): { users: SeededUser[]; rows: Record<string, unknown>[] } {
  const rng = new SeededRandom(`${seed}:users`);
  const users: SeededUser[] = [];
  const rows: Record<string, unknown>[] = [];
  const earliest = new Date(now.getTime() - 4 * 365 * DAY);
  for (let n = 0; n < subjects; n++) {
    const person = fakePerson(rng, n);
    const id = rng.uuid();
    const createdAt = rng.date(earliest, new Date(now.getTime() - DAY));
    const deletedAt = rng.chance(0.02) ? rng.date(createdAt, now) : null;
    users.push({ id, createdAt, deletedAt });
    rows.push(
      deletedAt
        ? { id, email: `deleted-${rng.uuid()}@deleted.invalid`, display_name: 'Deleted User', language_preference: null, created_at: createdAt, deleted_at: deletedAt }
        : { id, email: person.email, display_name: person.name, language_preference: rng.chance(0.8) ? rng.pick(LANGUAGES) : null, created_at: createdAt, deleted_at: null },
    );
  }
  return { users, rows };
}
