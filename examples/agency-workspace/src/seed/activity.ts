import { SeededRandom } from '@custodian/core/testing';
import type { SeededIntegration } from './integrations.js';
import type { SeededWorkspace } from './workspaces.js';

interface Event {
  actor: string | null;
  kind: string;
  detail: Record<string, unknown>;
  at: Date;
}

/**
 * The activity page (B3) as the product would have written it: creation,
 * joins, plan changes and cancellations, integrations, agent edits, exports
 * and data requests (B7). Details carry ids and plan names, never content.
 */
export function generateActivity(seed: string, workspaces: readonly SeededWorkspace[], integrations: readonly SeededIntegration[], now: Date) {
  const rng = new SeededRandom(`${seed}:activity`);
  const byWorkspace = new Map<string, SeededIntegration[]>();
  for (const i of integrations) {
    const list = byWorkspace.get(i.workspaceId);
    if (list) list.push(i);
    else byWorkspace.set(i.workspaceId, [i]);
  }
  const rows: Record<string, unknown>[] = [];
  for (const [w, ws] of workspaces.entries()) {
    const owner = ws.members[0]!;
    const events: Event[] = [{ actor: owner.userId, kind: 'workspace.created', detail: {}, at: ws.createdAt }];
    for (const m of ws.members.slice(1)) events.push({ actor: m.userId, kind: 'member.joined', detail: { role: m.role }, at: m.joinedAt });
    if (ws.plan !== 'free-trial') events.push({ actor: owner.userId, kind: 'plan.changed', detail: { from: 'free-trial', to: ws.plan }, at: rng.date(ws.createdAt, now) });
    if (ws.cancelledAt) {
      events.push({ actor: owner.userId, kind: 'subscription.cancelled', detail: { plan: 'free-trial' }, at: ws.cancelledAt });
    }
    for (const i of byWorkspace.get(ws.id) ?? []) events.push({ actor: i.createdBy, kind: 'integration.connected', detail: { provider: i.provider }, at: i.createdAt });
    const edits = rng.int(0, 4);
    for (let e = 0; e < edits; e++) {
      const editor = rng.pick(ws.members);
      events.push({ actor: editor.role === 'viewer' ? owner.userId : editor.userId, kind: 'agent.edited', detail: { agent: rng.pick(['Brief Writer', 'Proposal Agent', 'Research Agent']) }, at: rng.date(ws.createdAt, now) });
    }
    if (rng.chance(0.1)) events.push({ actor: owner.userId, kind: 'export.created', detail: { format: 'csv' }, at: rng.date(ws.createdAt, now) });
    // Workspace 0 always has a data request, so even a tiny seed shows B7.
    if (w === 0 || rng.chance(0.05)) {
      const requester = rng.pick(ws.members);
      const at = rng.date(ws.createdAt, now);
      const request = rng.uuid();
      events.push({ actor: requester.userId, kind: 'request.created', detail: { request, type: 'access' }, at });
      events.push({ actor: null, kind: 'request.completed', detail: { request, type: 'access' }, at: new Date(Math.min(at.getTime() + 3 * 86_400_000, now.getTime())) });
    }
    for (const e of events) {
      rows.push({ workspace_id: ws.id, id: rng.uuid(), actor_kind: e.actor ? 'member' : 'system', actor_id: e.actor, kind: e.kind, detail: e.detail, created_at: e.at });
    }
  }
  return rows;
}
