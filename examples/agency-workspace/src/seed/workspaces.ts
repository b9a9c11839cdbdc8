import { SeededRandom } from '@custodian/core/testing';
import type { SeededUser } from './people.js';

const AGENCIES = ['Northwind', 'Bluebird', 'Copper', 'Lantern', 'Meridian', 'Saffron', 'Harbor', 'Juniper', 'Quill', 'Orbit'];
const SUFFIXES = ['Studio', 'Creative', 'Partners', 'Collective', 'Agency'];
/** Weighted so most workspaces keep the default region (B10). */
const REGIONS = ['us', 'us', 'us', 'us', 'us', 'eu', 'eu', 'eu', 'me-south', 'ap-northeast'];
/** The first workspaces take one region each, so even a tiny seed has all four. */
const EVERY_REGION = ['us', 'eu', 'me-south', 'ap-northeast'];
const PAID_PLANS = ['starter', 'growth', 'growth', 'enterprise'];
const ROLES = ['admin', 'member', 'member', 'member', 'member', 'viewer', 'viewer'] as const;

export interface SeededWorkspace {
  id: string;
  createdAt: Date;
  plan: string;
  cancelledAt: Date | null;
  /** Current members, owner first. */
  members: { userId: string; role: string; joinedAt: Date }[];
  /** Who may have written here: members who are not viewers, and people since deleted. */
  authors: string[];
}

/**
 * About one workspace per ten people. Each live person joins one workspace
 * (15% a second); each workspace has exactly one owner. One in ten has
 * cancelled its subscription and dropped to the free trial, data intact (B8).
 */
export function generateWorkspaces(seed: string, users: readonly SeededUser[], now: Date) {
  const rng = new SeededRandom(`${seed}:workspaces`);
  const live = users.filter((u) => !u.deletedAt);
  const count = live.length === 0 ? 0 : Math.max(1, Math.round(users.length / 10));
  const workspaces: SeededWorkspace[] = [];
  const rows: Record<string, unknown>[] = [];
  const members: Record<string, unknown>[] = [];
  for (let w = 0; w < count; w++) {
    const owner = live[w % live.length]!;
    const createdAt = rng.date(owner.createdAt, now);
    // Workspace 1 is always cancelled, so even a tiny seed shows B8.
    const cancelled = w === 1 || rng.chance(0.1);
    const paid = !cancelled && rng.chance(0.6);
    const plan = paid ? rng.pick(PAID_PLANS) : 'free-trial';
    const cancelledAt = cancelled ? rng.date(createdAt, now) : null;
    const id = rng.uuid();
    workspaces.push({ id, createdAt, plan, cancelledAt, members: [{ userId: owner.id, role: 'owner', joinedAt: createdAt }], authors: [owner.id] });
    rows.push({
      id,
      name: `${rng.pick(AGENCIES)} ${rng.pick(SUFFIXES)} ${w}`,
      region: EVERY_REGION[w] ?? rng.pick(REGIONS),
      plan,
      subscription_status: cancelled ? 'cancelled' : paid ? (rng.chance(0.95) ? 'active' : 'past_due') : 'trialing',
      billing_customer_id: paid || cancelled ? `cus_${String(w).padStart(8, '0')}` : null,
      created_at: createdAt,
      cancelled_at: cancelledAt,
    });
  }
  if (count === 0) return { workspaces, rows, members };
  const seen = new Set<string>();
  const join = (ws: SeededWorkspace, user: SeededUser) => {
    const key = `${ws.id}/${user.id}`;
    if (ws.members[0]!.userId === user.id || seen.has(key)) return;
    seen.add(key);
    // A deleted person's memberships were removed by their deletion request;
    // what they wrote while a member stays.
    if (user.deletedAt) {
      ws.authors.push(user.id);
      return;
    }
    const joinedAt = rng.date(new Date(Math.max(ws.createdAt.getTime(), user.createdAt.getTime())), now);
    const role = rng.pick(ROLES);
    ws.members.push({ userId: user.id, role, joinedAt });
    if (role !== 'viewer') ws.authors.push(user.id);
  };
  const owners = new Set(workspaces.map((ws) => ws.members[0]!.userId));
  for (const user of users) {
    if (owners.has(user.id)) continue;
    join(rng.pick(workspaces), user);
    if (rng.chance(0.15)) join(rng.pick(workspaces), user);
  }
  for (const ws of workspaces) {
    for (const m of ws.members) members.push({ workspace_id: ws.id, user_id: m.userId, role: m.role, joined_at: m.joinedAt });
  }
  return { workspaces, rows, members };
}
