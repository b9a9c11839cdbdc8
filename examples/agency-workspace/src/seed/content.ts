import { SeededRandom } from '@custodian/core/testing';
import type { SeededUser } from './people.js';
import type { SeededWorkspace } from './workspaces.js';

const CLIENTS = ['Acme Foods', 'Globex Travel', 'Initech Bank', 'Umbrella Health', 'Hooli Mobile', 'Vandelay Imports', 'Soylent Drinks'];
const ROOMS = ['Launch campaign', 'Brand refresh', 'Q3 proposal', 'Social calendar', 'Pitch deck', 'Press kit'];
const AGENTS = ['Brief Writer', 'Proposal Agent', 'Research Agent'];
const LINES = [
  'Draft the launch brief for {client} by Friday.',
  'Here is the revised proposal for {client}; budget is in section 3.',
  '{client} wants the unannounced product kept out of all decks.',
  'Summarised the call notes with {client} and listed next steps.',
  'Can someone check the financials {client} shared before we reply?',
];

export interface SeededWorkroom {
  workspaceId: string;
  id: string;
}

/**
 * One to six workrooms per workspace, each with a conversation. About one
 * message in five comes from an agent; the rest from people who belong, or
 * belonged, to the workspace, dated while their account existed. Content is
 * left as plaintext here; the seed seals it (B1) before anything is stored.
 */
export function generateContent(seed: string, workspaces: readonly SeededWorkspace[], users: ReadonlyMap<string, SeededUser>, now: Date) {
  const rng = new SeededRandom(`${seed}:content`);
  const workrooms: Record<string, unknown>[] = [];
  const messages: Record<string, unknown>[] = [];
  const rooms: SeededWorkroom[] = [];
  for (const ws of workspaces) {
    const roomCount = rng.int(1, 6);
    for (let r = 0; r < roomCount; r++) {
      const client = rng.pick(CLIENTS);
      const creator = users.get(rng.pick(ws.authors.filter((id) => !users.get(id)!.deletedAt)))!;
      const createdAt = rng.date(new Date(Math.max(ws.createdAt.getTime(), creator.createdAt.getTime())), now);
      const id = rng.uuid();
      rooms.push({ workspaceId: ws.id, id });
      workrooms.push({ workspace_id: ws.id, id, name: `${client} — ${rng.pick(ROOMS)}`, created_by: creator.id, created_at: createdAt, archived_at: null });
      const messageCount = rng.int(2, 20);
      for (let m = 0; m < messageCount; m++) {
        const author = rng.chance(0.2) ? null : users.get(rng.pick(ws.authors))!;
        const from = Math.max(createdAt.getTime(), author?.createdAt.getTime() ?? 0);
        const until = (author?.deletedAt ?? now).getTime();
        const byAgent = author === null || from >= until;
        const text = rng.pick(LINES).replace('{client}', client);
        messages.push({
          workspace_id: ws.id,
          id: rng.uuid(),
          workroom_id: id,
          author_kind: byAgent ? 'agent' : 'member',
          author_id: byAgent ? null : author!.id,
          agent_name: byAgent ? rng.pick(AGENTS) : null,
          content_ciphertext: text,
          created_at: byAgent ? rng.date(createdAt, now) : rng.date(new Date(from), new Date(until)),
          edited_at: null,
        });
      }
    }
  }
  return { rooms, workrooms, messages };
}
