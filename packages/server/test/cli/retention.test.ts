import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, TENANT_APP_SQL, hasStackTrace, project, runCli, tenantPolicySource, withDatabase } from './run-cli.js';

const DAY = 86_400_000;
const ADA = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';

interface PlanJson {
  asOf: string;
  horizon: string;
  steps: Array<{ rule: string; stage: number; action: string; table?: string; dueNow: number; dueWithinHorizon: number; held: number }>;
}
interface RunJson {
  runId: number;
  asOf: string;
  rows: number;
  steps: Array<{ rule: string; stage: number; action: string; rows: number; skipped?: string }>;
}

test('custodian retention plan, run, hold, holds and lift: due rows previewed at a future --at and deleted exactly; a tenant hold keeps its rows until lifted; bad flags exit 2 and change nothing', { timeout: 600_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(tenantPolicySource(), TENANT_APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const cli = (...args: string[]) => runCli(['retention', ...args, ...flags], { cwd: dir });
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    // Messages written 60 days ago fall due in 30 days; today's in 90. Two of each age in acme, two old ones in globex.
    await withDatabase(dbFlags, (db) =>
      db.exec(`
        INSERT INTO workspaces VALUES ('acme', 'Acme'), ('globex', 'Globex');
        INSERT INTO members (id, workspace_id, email, name) VALUES ('${ADA}', 'acme', 'ada@example.com', 'Ada'), ('${BOB}', 'globex', 'bob@example.com', 'Bob');
        INSERT INTO messages (workspace_id, member_id, body, created_at) VALUES
          ('acme', '${ADA}', 'old 1', now() - interval '60 days'), ('acme', '${ADA}', 'old 2', now() - interval '60 days'),
          ('acme', '${ADA}', 'new 1', now()), ('acme', '${ADA}', 'new 2', now()),
          ('globex', '${BOB}', 'old 3', now() - interval '60 days'), ('globex', '${BOB}', 'old 4', now() - interval '60 days');`),
    dir);
    const messages = () => withDatabase(dbFlags, async (db) => (await db.query<{ workspace_id: string; body: string }>('SELECT workspace_id, body FROM messages ORDER BY body')).rows.map((r) => `${r.workspace_id}:${r.body}`), dir);
    const state = () =>
      withDatabase(dbFlags, async (db) => {
        const { rows } = await db.query<{ messages: number; holds: number; runs: number }>(
          `SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM custodian.legal_holds) AS holds, (SELECT count(*)::int FROM custodian.retention_runs) AS runs`,
        );
        return rows[0]!;
      }, dir);
    const in45Days = new Date(Date.now() + 45 * DAY).toISOString();
    const stepOf = (plan: PlanJson | RunJson, rule: string) => (plan.steps as Array<PlanJson['steps'][number] & RunJson['steps'][number]>).find((s) => s.rule === rule)!;

    // plan: nothing is due today; 45 days on, the four old messages are, and within 60 days after that the two new ones.
    const today = await cli('plan', '--json');
    assert.equal(today.code, 0, today.stderr);
    assert.equal(stepOf(JSON.parse(today.stdout) as PlanJson, 'messages-90d').dueNow, 0);
    const later = await cli('plan', '--at', in45Days, '--horizon', '60d', '--rule', 'messages-90d', '--json');
    assert.equal(later.code, 0, later.stderr);
    const plan = JSON.parse(later.stdout) as PlanJson;
    assert.equal(plan.asOf, in45Days);
    assert.deepEqual(plan.steps.map((s) => [s.rule, s.stage, s.action, s.table, s.dueNow, s.dueWithinHorizon, s.held]), [['messages-90d', 1, 'hard-delete', 'messages', 4, 2, 0]], 'only the rule asked for');
    const table = await cli('plan', '--at', in45Days.slice(0, 10));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /retention plan as of \S+ 00:00Z, looking 30d ahead \(nothing was changed\)/);
    assert.match(table.stdout, /rule\s+stage\s+action\s+table\s+due now\s+within 30d\s+held/);
    assert.match(table.stdout, /messages-90d\s+1\s+hard-delete\s+messages\s+4\s+0\s+0/);
    assert.match(table.stdout, /audit\.retention\s+1\s+audit-archive/);

    // hold: acme's data is kept from every step; the plan counts it as held.
    const held = await cli('hold', '--tenant', 'acme', '--reason', 'litigation hold', '--ticket', 'LEGAL-1', '--json');
    assert.equal(held.code, 0, held.stderr);
    const hold = JSON.parse(held.stdout) as { id: number; tenant: string; subject: unknown; reason: string; reference: string; setBy: { type: string } };
    assert.deepEqual([hold.tenant, hold.subject, hold.reason, hold.reference, hold.setBy.type], ['acme', null, 'litigation hold', 'LEGAL-1', 'operator']);
    const heldPlan = JSON.parse((await cli('plan', '--at', in45Days, '--json')).stdout) as PlanJson;
    assert.deepEqual([stepOf(heldPlan, 'messages-90d').dueNow, stepOf(heldPlan, 'messages-90d').held], [2, 2]);

    // Bad flags: each exits 2 (1 for a tenant that does not exist) with what and where, no stack, and changes nothing.
    const before = await state();
    for (const [args, message, code] of [
      [['plan', '--rule', 'nope'], /custodian retention plan: the policy has no retention rule "nope".*hint: one of: messages-90d, audit\.retention/s, 2],
      [['run', '--rule', 'nope', '--yes'], /custodian retention run: the policy has no retention rule "nope"/, 2],
      [['plan', '--at', '2027-02-30'], /custodian retention plan: --at must be an ISO date/, 2],
      [['run', '--at', '2027-06-01T09:00', '--yes'], /custodian retention run: --at must be an ISO date, or a date and time with its zone/, 2],
      [['run', '--at', 'tomorrow'], /--at must be an ISO date/, 2],
      [['plan', '--horizon', '30'], /--horizon must be a duration/, 2],
      [['run', '--at', in45Days], /--at is later than now.*add --yes/, 2],
      [['run', '--smtp-url', 'mail.example.com'], /--smtp-url must be an smtp:\/\/ or smtps:\/\/ URL/, 2],
      [['hold', '--tenant', 'globex'], /custodian retention hold: --reason is required/, 2],
      [['hold', '--tenant', 'globex', '--reason', '  '], /--reason is required/, 2],
      [['hold', '--reason', 'why'], /give --tenant, or a person with --subject/, 2],
      [['hold', '--subject', 'member', '--reason', 'why'], /give exactly one of --id, --email, or --identity with --value/, 2],
      [['hold', '--subject', 'robot', '--id', ADA, '--reason', 'why'], /the policy declares no subject "robot"/, 2],
      [['hold', '--tenant', 'initech', '--reason', 'why'], /no tenant in workspaces has that id \[ERR_RETENTION_INVALID\]/, 1],
      [['hold', '--subject', 'member', '--email', 'nobody@example.com', '--reason', 'why'], /no member has that email \[ERR_DSAR_SUBJECT_NOT_FOUND\]/, 1],
      [['lift', String(hold.id)], /custodian retention lift: --reason is required/, 2],
      [['lift', 'first', '--reason', 'done'], /the hold id must be a positive whole number/, 2],
      [['lift', '--reason', 'done'], /the hold id is required/, 2],
      [['lift', '999', '--reason', 'done'], /\[ERR_RETENTION_HOLD_NOT_FOUND\]/, 1],
      [['holds', '--tenant', ''], /--tenant is empty/, 2],
      [['plan', '--bogus'], /custodian retention plan: .*bogus/, 2],
      [['sweep'], /custodian retention: unknown action "sweep"/, 2],
    ] as Array<[string[], RegExp, number]>) {
      const r = await cli(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.ok(!hasStackTrace(r.stderr), args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    assert.deepEqual(await state(), before, 'refused commands changed nothing');

    // run, 45 days on: exactly globex's two old messages go; acme's stay under the hold.
    const ran = await cli('run', '--at', in45Days, '--yes', '--json');
    assert.equal(ran.code, 0, ran.stderr);
    const result = JSON.parse(ran.stdout) as RunJson;
    assert.equal(result.asOf, in45Days);
    assert.equal(stepOf(result, 'messages-90d').rows, 2);
    assert.equal(stepOf(result, 'audit.retention').skipped, 'no-archive', 'no signing key is configured here');
    assert.match(ran.stderr, /deciding as of .* later than now/);
    assert.deepEqual(await messages(), ['acme:new 1', 'acme:new 2', 'acme:old 1', 'acme:old 2']);

    // holds, then lift: the next run takes what the hold kept and is due, and nothing younger.
    const standing = await cli('holds', '--json');
    assert.deepEqual((JSON.parse(standing.stdout) as Array<{ id: number }>).map((h) => h.id), [hold.id]);
    const listed = await cli('holds');
    assert.match(listed.stdout, new RegExp(`standing legal hold ${hold.id} on tenant acme \\(LEGAL-1\\), since .* by cli:\\S+: litigation hold`));
    const lifted = await cli('lift', String(hold.id), '--reason', 'matter settled');
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.match(lifted.stdout, new RegExp(`lifted legal hold ${hold.id} on tenant acme .* — lifted .*: matter settled`));
    const again = await cli('lift', String(hold.id), '--reason', 'twice');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\[ERR_RETENTION_HOLD_LIFTED\]/);
    assert.equal((await cli('holds')).stderr.trim(), 'no legal hold stands');
    assert.equal((JSON.parse((await cli('holds', '--all', '--tenant', 'acme', '--json')).stdout) as unknown[]).length, 1);

    const summary = await cli('run', '--at', in45Days, '--yes');
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /messages-90d\s+1\s+hard-delete\s+messages\s+2\s+1\s+\d+ ms/);
    assert.match(summary.stdout, /audit\.retention\s+1\s+audit-archive\s+-\s+skipped: no audit archive configured/);
    assert.match(summary.stdout, /retention run \d+ as of .*: 2 rows in \d+\.\d s/);
    assert.deepEqual(await messages(), ['acme:new 1', 'acme:new 2']);
    const quiet = await cli('run', '--quiet');
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout + quiet.stderr, '', '--quiet prints nothing when all is well');
    assert.deepEqual(await messages(), ['acme:new 1', 'acme:new 2'], 'today nothing more is due');

    // A hold on one person, found by email as dsar finds them.
    const person = await cli('hold', '--subject', 'member', '--email', 'ADA@example.com', '--reason', 'regulator inquiry');
    assert.equal(person.code, 0, person.stderr);
    assert.match(person.stdout, new RegExp(`placed legal hold \\d+ on member ${ADA} in tenant acme, since .*: regulator inquiry`));
    const runs = await withDatabase(dbFlags, async (db) => (await db.query<{ trigger: string; state: string }>('SELECT trigger, state FROM custodian.retention_runs ORDER BY id')).rows, dir);
    assert.deepEqual(runs.map((r) => [r.trigger, r.state]), [['cli', 'succeeded'], ['cli', 'succeeded'], ['cli', 'succeeded']]);
  } finally {
    await cleanup();
  }
});

test('custodian retention --help lists every action; each action has its own help', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await project(tenantPolicySource(), TENANT_APP_SQL);
  try {
    const help = await runCli(['retention', '--help'], { cwd: dir });
    assert.equal(help.code, 0);
    for (const action of ['plan', 'run', 'hold', 'holds', 'lift']) assert.match(help.stderr, new RegExp(`custodian retention ${action}\\b`));
    assert.match(help.stderr, /CUSTODIAN_RETENTION_INTERVAL/);
    const bare = await runCli(['retention'], { cwd: dir });
    assert.equal(bare.code, 2);
    const run = await runCli(['retention', 'run', '--help'], { cwd: dir });
    assert.equal(run.code, 0);
    assert.match(run.stderr, /Ctrl-C \(or SIGTERM\) stops after the running batch/);
    const top = await runCli(['--help'], { cwd: dir });
    assert.match(top.stderr, /\bretention\b/);
  } finally {
    await cleanup();
  }
});

test('custodian retention run: Ctrl-C stops between batches, keeps what committed, says so and exits 130; running again carries on', { timeout: 600_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(tenantPolicySource(), TENANT_APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    const ROWS = 100_000;
    await withDatabase(dbFlags, (db) =>
      db.exec(`
        INSERT INTO workspaces VALUES ('globex', 'Globex');
        INSERT INTO members (id, workspace_id, email) VALUES ('${BOB}', 'globex', 'bob@example.com');
        INSERT INTO messages (workspace_id, member_id, body, created_at) SELECT 'globex', '${BOB}', 'm' || g, now() - interval '100 days' FROM generate_series(1, ${ROWS}) g;`),
    dir);
    const count = () => withDatabase(dbFlags, async (db) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0]!.n, dir);

    // One SIGINT, as a terminal's Ctrl-C sends, once the first batch has reported (the first batch is 1,000 rows).
    const stopped = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'retention', 'run', ...flags], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d) => {
        stderr += d;
        if (!sent && / rows in \d+ batch/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /stopping after the running batch/);
    assert.match(stopped.stderr, /stopped: every batch that finished stays done; run `custodian retention run` again to carry on/);
    assert.ok(!hasStackTrace(stopped.stderr));
    const left = await count();
    assert.ok(left > 0 && left < ROWS, `some batches committed, not all: ${left} left`);
    const runs = await withDatabase(dbFlags, async (db) => (await db.query<{ state: string }>('SELECT state FROM custodian.retention_runs')).rows.map((r) => r.state), dir);
    assert.notDeepEqual(runs, ['succeeded'], 'the stopped run is not recorded as a success');

    // The lease was released on the way out: the next run is not locked out, and finishes the job.
    const again = await runCli(['retention', 'run', '--json', ...flags], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as RunJson).steps.find((s) => s.rule === 'messages-90d')!.rows, left);
    assert.equal(await count(), 0);
  } finally {
    await cleanup();
  }
});
