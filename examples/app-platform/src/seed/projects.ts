import { SeededRandom } from '@custodian/core/testing';
import type { SeededUser } from './people.js';

const ADJECTIVES = ['tiny', 'quick', 'calm', 'bright', 'lucky', 'daily', 'cosy', 'bold', 'clever', 'neat'];
const NOUNS = ['planner', 'quiz', 'journal', 'tracker', 'garden', 'recipes', 'habits', 'budget', 'flashcards', 'timer'];
const KINDS = ['note', 'score', 'todo', 'entry'];
const GATE_REASONS = ['Describes collecting payment details outside the platform.', 'Name impersonates another product.'];

export interface SeededProject {
  id: string;
  slug: string;
  ownerId: string;
}

export interface ProjectRows {
  projects: SeededProject[];
  rows: { projects: Record<string, unknown>[]; project_rows: Record<string, unknown>[] };
}

/**
 * About two projects per three people, owned by the ~35% who create. Each
 * project holds rows from several of its users. A deleted creator's projects
 * are already unpublished and hidden, and a deleted person's rows in other
 * creators' projects already point at the placeholder (A7's immediate steps).
 */
export function generateProjects(seed: string, users: readonly SeededUser[], placeholderId: string, now: Date): ProjectRows {
  const rng = new SeededRandom(`${seed}:projects`);
  const out: ProjectRows = { projects: [], rows: { projects: [], project_rows: [] } };
  if (users.length === 0) return out;
  const creators = users.filter(() => rng.chance(0.35));
  if (creators.length === 0) creators.push(users[0]!);
  const count = Math.round((users.length * 2) / 3);
  for (let i = 0; i < count; i++) {
    const owner = rng.pick(creators);
    const adjective = rng.pick(ADJECTIVES);
    const noun = rng.pick(NOUNS);
    const id = rng.uuid();
    const slug = `${adjective}-${noun}-${i.toString(36)}`;
    const createdAt = rng.date(owner.createdAt, owner.deletedAt ?? now);
    const visibility = rng.chance(0.85) ? 'public' : 'unlisted';
    out.projects.push({ id, slug, ownerId: owner.id });
    out.rows.projects.push({
      id,
      owner_id: owner.id,
      slug,
      name: `${adjective[0]!.toUpperCase()}${adjective.slice(1)} ${noun}`,
      description: rng.chance(0.7) ? `A ${adjective} little ${noun}.` : null,
      visibility,
      published: !owner.deletedAt && rng.chance(0.8),
      hidden: owner.deletedAt !== null,
      gate_reason: visibility === 'unlisted' && rng.chance(0.2) ? rng.pick(GATE_REASONS) : null,
      created_at: createdAt,
      updated_at: rng.date(createdAt, owner.deletedAt ?? now),
    });
    const writers = rng.int(1, 5);
    for (let w = 0; w < writers; w++) {
      const writer = w === 0 ? owner : rng.pick(users);
      // A writer can only have saved rows while both their account and the project existed.
      const from = Math.max(createdAt.getTime(), writer.createdAt.getTime());
      const until = (writer.deletedAt ?? now).getTime();
      if (from >= until) continue;
      const reassigned = writer.deletedAt !== null && writer.id !== owner.id;
      const perWriter = rng.int(1, 2);
      for (let r = 0; r < perWriter; r++) {
        const at = rng.date(new Date(from), new Date(until));
        out.rows.project_rows.push({
          id: rng.uuid(),
          project_id: id,
          user_id: reassigned ? placeholderId : writer.id,
          collection: rng.pick(['default', 'default', 'settings']),
          data: { kind: rng.pick(KINDS), text: `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`, value: rng.int(0, 1000) },
          created_at: at,
          updated_at: at,
        });
      }
    }
  }
  return out;
}
