import { quoteIdent, quoteQualified } from '../db/identifier.js';
import { nextBatchSize } from './batch-size.js';
import type { TenantTarget } from './compile.js';
import { renewLease } from './lease.js';
import { eventLoopTurn } from './turn.js';
import { blockedByReferences, type RunContext, type SweepCounts } from './sweep.js';
import type { RetentionStep } from './types.js';

const TENANTS_PER_PAGE = 20;

/**
 * A tenant-wide stage (C15): for each tenant due and under no hold, every
 * table carrying its tenant column is anonymized or emptied in batches, and
 * the tenant row itself is anonymized and marked last — so a tenant without
 * its mark is one still to finish, and a crash mid-way is finished by the
 * next run (each batch touches only rows not yet in their end state).
 */
export async function sweepTenants(ctx: RunContext, step: RetentionStep, target: TenantTarget, counts: SweepCounts): Promise<void> {
  const key = `t.${quoteIdent(target.tenantKey.column)}`;
  // Asked again in every batch's transaction, with the tenant row share-locked for it: a hold placed or a
  // contract renewed while a large tenant is being swept stops the sweep of that tenant at the next batch.
  const stillDue = `SELECT 1 FROM ${quoteQualified(target.tenants.table)} t
    WHERE ${key} = $2::${target.tenantKey.type} AND (${target.tenants.due}) AND (${target.tenants.free}) FOR SHARE OF t`;
  const page = (after: boolean) =>
    `SELECT ${key}::text AS tenant FROM ${quoteQualified(target.tenants.table)} t
      WHERE (${target.tenants.due}) AND (${target.tenants.free})${after ? ` AND ${key} > $2::${target.tenantKey.type}` : ''}
      ORDER BY ${key} LIMIT ${TENANTS_PER_PAGE}`;
  let last: string | null = null;
  for (;;) {
    await eventLoopTurn();
    ctx.signal?.throwIfAborted();
    const rows: Array<{ tenant: string }> = (await ctx.db.query<{ tenant: string }>(page(last !== null), last === null ? [ctx.asOf] : [ctx.asOf, last])).rows;
    tenants: for (const { tenant } of rows) {
      const perTable: Record<string, number> = {};
      for (const part of target.parts) {
        let size = ctx.initialRows;
        for (;;) {
          await eventLoopTurn();
          ctx.signal?.throwIfAborted();
          const batch = await blockedByReferences(part.table, () => timedBatch(ctx, step.rule, stillDue, tenant, part.batch(size)));
          if (batch === undefined) continue tenants; // no longer due, or held: left as it is
          const { changed, tookMs } = batch;
          counts.batches++;
          counts.rows += changed;
          counts.longestStatementMs = Math.max(counts.longestStatementMs, tookMs);
          if (changed > 0) {
            perTable[part.table] = (perTable[part.table] ?? 0) + changed;
            ctx.progress({ rule: step.rule, stage: step.stage, rows: counts.rows, batches: counts.batches });
          }
          if (changed < size) break;
          size = nextBatchSize(size, tookMs, ctx.budgetMs, ctx.maxRows);
        }
      }
      // The tenant row last, with its audit event in the tenant's own chain, in one transaction.
      await ctx.db.transaction(async (tx) => {
        await renewLease(tx, step.rule, ctx.holder, ctx.leaseMs, ctx.runId);
        if ((await tx.query(stillDue, [ctx.asOf, tenant])).rows.length === 0) return;
        const { rowCount } = await tx.query(target.finish, [ctx.asOf, tenant]);
        counts.rows += rowCount;
        await ctx.audit.append(tx, {
          tenant,
          actor: ctx.actor,
          action: 'retention.tenant.anonymized',
          target: { type: 'tenant', id: tenant },
          metadata: { run: ctx.runId, rule: step.rule, stage: step.stage, tables: perTable },
        });
      });
      ctx.progress({ rule: step.rule, stage: step.stage, rows: counts.rows, batches: counts.batches });
    }
    if (rows.length < TENANTS_PER_PAGE) return;
    last = rows[rows.length - 1]!.tenant;
  }
}

/** One part batch in its own transaction, or undefined (nothing done) when the tenant is no longer due or is held. */
async function timedBatch(ctx: RunContext, rule: string, stillDue: string, tenant: string, sql: string): Promise<{ changed: number; tookMs: number } | undefined> {
  return ctx.db.transaction(async (tx) => {
    await renewLease(tx, rule, ctx.holder, ctx.leaseMs, ctx.runId);
    if ((await tx.query(stillDue, [ctx.asOf, tenant])).rows.length === 0) return undefined;
    const started = performance.now();
    const { rowCount } = await tx.query(sql, [tenant]);
    return { changed: rowCount, tookMs: performance.now() - started };
  });
}
