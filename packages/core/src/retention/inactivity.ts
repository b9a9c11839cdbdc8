import type { DatabaseSchema } from '../check/schema-types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Queryable } from '../db/types.js';
import { eraseSubject } from '../dsar/erase.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';
import { CustodianError } from '../errors.js';
import { sendDeletionNotice, type NoticeMailer } from '../mail/send-deletion-notice.js';
import type { Policy } from '../policy/define.js';
import { addDuration, describeDuration } from '../policy/duration.js';
import type { InactivityRule } from '../policy/schema/retention.js';
import { inactivityTarget, type InactivityTarget } from './compile.js';
import { isHeld } from './holds.js';
import { renewLease } from './lease.js';
import { eventLoopTurn } from './turn.js';
import type { RunContext, SweepCounts } from './sweep.js';

/**
 * C14: a person inactive for the rule's period is told, and erased the
 * grace period later unless they came back — a sign-in or a new invite after
 * the notice moves their latest activity past the one recorded with it.
 * A person is their key and their tenant together: keys may repeat across
 * tenants.
 */

const PAGE = 100;

interface Person {
  key: string;
  tenant: string | null;
  email: string;
  /** As text, so the microseconds survive the trip (a JavaScript Date would drop them). */
  last_activity: string;
  pk: string[];
}

function peopleSql(target: InactivityTarget, afterKey: boolean): string {
  const cols = target.key.map((k) => `t.${quoteIdent(k.column)}`);
  const tuple = cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`;
  const params = target.key.map((k, i) => `$${i + 2}::${k.type}`);
  const after = afterKey ? ` AND ${tuple} > ${params.length === 1 ? params[0] : `(${params.join(', ')})`}` : '';
  return `SELECT t.${quoteIdent(target.keyColumn)}::text AS key,
                 ${target.tenantColumn ? `t.${quoteIdent(target.tenantColumn)}::text` : 'NULL::text'} AS tenant,
                 t.${quoteIdent(target.emailColumn)}::text AS email,
                 (${target.lastActivity})::text AS last_activity,
                 ARRAY[${cols.map((c) => `${c}::text`).join(', ')}] AS pk
            FROM ${quoteQualified(target.table)} t
           WHERE (${target.due}) AND (${target.free})${after}
           ORDER BY ${cols.join(', ')} LIMIT ${PAGE}`;
}

/** The SMTP server refused this recipient (nodemailer's EENVELOPE): skip them, not everyone after them. */
function recipientRefused(error: unknown): boolean {
  return error instanceof CustodianError && (error.cause as { code?: string } | undefined)?.code === 'EENVELOPE';
}

/**
 * Stage 1: records a notice and mails it, one person per transaction — the
 * mail goes out before the notice commits, so a failed send leaves no notice
 * behind and the next run tries again. A recipient the mail server refuses is
 * skipped (counted in `failed`); a mail server that cannot be reached fails
 * the step.
 */
export async function sendNotices(ctx: RunContext, policy: Policy, schema: DatabaseSchema, rule: InactivityRule, mailer: NoticeMailer, counts: SweepCounts): Promise<void> {
  const target = inactivityTarget(policy, schema, rule);
  const dueAt = addDuration(ctx.asOf, rule.notice.before);
  let last: string[] | null = null;
  for (;;) {
    await eventLoopTurn();
    ctx.signal?.throwIfAborted();
    const started = performance.now();
    const people: Person[] = (await ctx.db.query<Person>(peopleSql(target, last !== null), [ctx.asOf, ...(last ?? [])])).rows;
    counts.longestStatementMs = Math.max(counts.longestStatementMs, performance.now() - started);
    counts.batches++;
    for (const person of people) {
      await eventLoopTurn();
      ctx.signal?.throwIfAborted();
      try {
        const sent = await ctx.db.transaction(async (tx) => {
          await renewLease(tx, rule.id, ctx.holder, ctx.leaseMs, ctx.runId);
          const { rows } = await tx.query<{ id: string }>(
            `INSERT INTO custodian.retention_notices (rule_id, subject_type, subject_key, tenant_id, last_activity_at, sent_at, due_at)
             VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
            [rule.id, rule.subject, person.key, person.tenant, person.last_activity, ctx.asOf, dueAt],
          );
          if (rows.length === 0) return false; // another runner told them first
          await ctx.audit.append(tx, {
            tenant: person.tenant ?? PLATFORM_TENANT,
            actor: ctx.actor,
            action: 'retention.notice.sent',
            target: { type: 'retention_notice', id: String(rows[0]!.id) },
            subject: person.key,
            metadata: { rule: rule.id, run: ctx.runId, due: dueAt.toISOString() },
          });
          await sendDeletionNotice(mailer, { to: person.email, deleteAt: dueAt, inactiveFor: describeDuration(rule.after) });
          return true;
        });
        if (sent) {
          counts.rows++;
          ctx.progress({ rule: rule.id, stage: 1, rows: counts.rows, batches: counts.batches });
        }
      } catch (error) {
        if (!recipientRefused(error)) throw error;
        counts.failed = (counts.failed ?? 0) + 1;
      }
    }
    if (people.length < PAGE) return;
    last = people[people.length - 1]!.pk;
  }
}

/** The person came back (`active`) or is gone (`gone`): their notice is cancelled, nothing erased. */
class CameBack extends Error {}

interface Notice {
  id: string;
  subject_key: string;
  tenant_id: string | null;
  last_activity_at: string;
}

/**
 * Stage 2: for each notice whose grace period has ended — cancel it when the
 * person came back (or is gone already) or a legal hold now covers them (once
 * the hold is lifted they are told afresh), else erase them as an erasure
 * request would, at once (no soft-delete deferral: the grace period was the
 * deferral).
 */
export async function eraseAfterNotice(ctx: RunContext, policy: Policy, schema: DatabaseSchema, rule: InactivityRule, counts: SweepCounts): Promise<void> {
  const target = inactivityTarget(policy, schema, rule);
  // The person's latest activity, compared in SQL with the one recorded with the notice (microseconds and all).
  const tenantClause = target.tenantColumn ? ` AND t.${quoteIdent(target.tenantColumn)} = $3::${target.tenantType}` : '';
  const cameBackSql = `SELECT coalesce((${target.lastActivity}) > $2::timestamptz, false) AS came_back FROM ${quoteQualified(target.table)} t
    WHERE t.${quoteIdent(target.keyColumn)} = $1::${target.keyType}${tenantClause}`;
  let afterId = 0;
  for (;;) {
    await eventLoopTurn();
    ctx.signal?.throwIfAborted();
    const started = performance.now();
    const { rows: notices } = await ctx.db.query<Notice>(
      `SELECT id, subject_key, tenant_id, last_activity_at::text AS last_activity_at FROM custodian.retention_notices
        WHERE rule_id = $1 AND state = 'pending' AND due_at <= $2 AND id > $3 ORDER BY id LIMIT ${PAGE}`,
      [rule.id, ctx.asOf, afterId],
    );
    counts.longestStatementMs = Math.max(counts.longestStatementMs, performance.now() - started);
    counts.batches++;
    for (const notice of notices) {
      await eventLoopTurn();
      ctx.signal?.throwIfAborted();
      const person = { subject: rule.subject, key: notice.subject_key, tenant: notice.tenant_id ?? undefined };
      if (await isHeld(ctx.db, policy, schema, person)) {
        await resolve(ctx, rule, notice, 'cancelled', 'held');
        counts.cancelled = (counts.cancelled ?? 0) + 1;
        continue;
      }
      // Checked inside the erasure's transaction, with the person's row locked: a sign-in just before
      // cancels it, one just after waits for the lock and finds them gone.
      const params = target.tenantColumn ? [notice.subject_key, notice.last_activity_at, notice.tenant_id] : [notice.subject_key, notice.last_activity_at];
      const stillInactive = async (tx: Queryable) => {
        const { rows } = await tx.query<{ came_back: boolean }>(cameBackSql, params);
        if (rows.length === 0) throw new CameBack('gone');
        if (rows[0]!.came_back) throw new CameBack('active');
      };
      try {
        await eraseSubject(ctx.db, policy, schema, person, { actor: ctx.actor, defer: false, auditTenant: notice.tenant_id ?? PLATFORM_TENANT, precondition: stillInactive });
      } catch (error) {
        if (!(error instanceof CameBack)) throw error;
        await resolve(ctx, rule, notice, 'cancelled', error.message);
        counts.cancelled = (counts.cancelled ?? 0) + 1;
        continue;
      }
      await resolve(ctx, rule, notice, 'erased', 'inactive');
      counts.rows++;
      ctx.progress({ rule: rule.id, stage: 2, rows: counts.rows, batches: counts.batches });
    }
    if (notices.length < PAGE) return;
    afterId = Number(notices[notices.length - 1]!.id);
  }
}

async function resolve(ctx: RunContext, rule: InactivityRule, notice: Notice, state: 'cancelled' | 'erased', why: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await renewLease(tx, rule.id, ctx.holder, ctx.leaseMs, ctx.runId);
    await tx.query(`UPDATE custodian.retention_notices SET state = $2, resolved_at = $3 WHERE id = $1 AND state = 'pending'`, [notice.id, state, ctx.asOf]);
    await ctx.audit.append(tx, {
      tenant: notice.tenant_id ?? PLATFORM_TENANT,
      actor: ctx.actor,
      action: state === 'cancelled' ? 'retention.notice.cancelled' : 'retention.erasure',
      target: { type: 'retention_notice', id: String(notice.id) },
      subject: notice.subject_key,
      metadata: { rule: rule.id, run: ctx.runId, reason: why },
    });
  });
}
