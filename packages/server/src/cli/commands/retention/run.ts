import { introspect } from '@custodian/core/check';
import { ConfigError } from '@custodian/core/errors';
import { approxSeconds, parseDuration } from '@custodian/core/policy';
import { runRetention, type RetentionProgress, type RetentionRunOptions, type RetentionRunResult, type StepResult } from '@custodian/core/retention';
import { auditArchiveFor, noticeMailer } from '../../../retention-options.js';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { dim, green, info, json, yellow } from '../../output.js';
import { modeFrom } from '../../start-server.js';
import { operatorActor } from '../dsar/status.js';
import { COMMON, atFlag, ruleFlags, when } from './flags.js';

export const usage = `custodian retention run [--rule <id>]... [--at <ISO time> --yes] [--smtp-url <url>] [--archive-dir <dir>] [--lease <duration>] [--json] [--quiet]

run    carries out what \`retention plan\` shows: each stage soft-deletes, anonymizes or
       deletes the rows due, in batches of about half a second, each its own
       transaction; legal holds keep what they cover. Inactivity rules mail their
       notices through --smtp-url (else CUSTODIAN_SMTP_URL; without either they are
       skipped), from the policy's requests contact. Audit events older than
       audit.retention move to the archive \`custodian audit archive\` writes
       (--archive-dir, default .custodian/audit-archive) when a signing key is
       configured; otherwise that step is skipped. Progress goes to stderr about
       once a second; --quiet prints neither progress nor the summary.
       Ctrl-C (or SIGTERM) stops after the running batch: what committed stays,
       and running again carries on.
       --at decides as of another time, and needs --yes: a later time treats rows
       as due before the policy says they are; an earlier one dates soft deletes,
       marks and notices in the past, cutting short the grace periods after them.
       Each rule is claimed for --lease (default 1min, renewed every batch) so two
       runners never sweep it at once; a rule another runner holds is skipped and
       said so. After a crash the rule is free again once the lease runs out.
       Exit 0 when done, 1 when a step failed (the others still ran), 130 when stopped by Ctrl-C.`;

const PROGRESS_EVERY_MS = 1000;
const STOPPED = 'stopped: every batch that finished stays done; run `custodian retention run` again to carry on';

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('retention run', rest, {
    ...DATABASE_FLAGS,
    ...COMMON,
    rule: { type: 'string', multiple: true },
    at: { type: 'string' },
    yes: { type: 'boolean' },
    'smtp-url': { type: 'string' },
    'archive-dir': { type: 'string' },
    lease: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const at = values.at === undefined ? undefined : atFlag('retention run', values.at);
  const leaseMs = values.lease === undefined ? undefined : leaseFlag(values.lease);
  const smtp = values['smtp-url'] ?? process.env.CUSTODIAN_SMTP_URL;
  if (smtp !== undefined && !/^smtps?:\/\/[^\s/?#]+/.test(smtp)) throw new ConfigError('custodian retention run: --smtp-url must be an smtp:// or smtps:// URL', 'e.g. --smtp-url smtp://mail.example.com:587');
  const { policy } = await loadPolicy(values);
  const rules = ruleFlags('retention run', policy, values.rule);
  const quiet = values.quiet === true;
  const note = (line: string) => (quiet ? undefined : info(line));
  const mailer = noticeMailer(policy, smtp);
  const archive = auditArchiveFor(policy, { mode: modeFrom(values.production), stateDir: '.custodian', ...(values['archive-dir'] ? { dir: values['archive-dir'] } : {}) });
  const db = await openFromFlags(values, { mustExist: true });
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    info(yellow('stopping after the running batch (Ctrl-C again stops at once)…'));
  };
  // From here on Ctrl-C (or SIGTERM) stops cleanly: the database is closed, and the embedded one flushed, on the way out.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    if (at) {
      const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
      if (at.getTime() > rows[0]!.now.getTime()) {
        if (!values.yes) throw new ConfigError('custodian retention run: --at is later than now, so rows would go before the policy says they are due; add --yes', 'preview that date with `custodian retention plan --at` first');
        note(yellow(`deciding as of ${when(at)}, later than now: rows not yet due by the policy's clock are treated as due`));
      } else if (!values.yes) {
        // Soft deletes, marks and notices record the run's time: an earlier one shortens every grace period that counts from them.
        throw new ConfigError('custodian retention run: --at is earlier than now, so soft deletes, marks and notices would be dated in the past and the grace periods counting from them cut short; add --yes', 'preview that date with `custodian retention plan --at` first');
      }
    }
    if (!mailer && policy.retention.some((r) => r.kind === 'inactivity')) note(dim('no SMTP URL (--smtp-url or CUSTODIAN_SMTP_URL): inactivity rules are skipped'));
    if (archive.why) note(dim(`audit.retention is skipped: ${archive.why}`));
    const options: RetentionRunOptions = {
      trigger: 'cli',
      actor: operatorActor(),
      signal: controller.signal,
      ...(rules ? { rules } : {}),
      ...(leaseMs ? { leaseMs } : {}),
      ...(at ? { clock: () => at } : {}),
      ...(mailer ? { mailer } : {}),
      ...(archive.archive ? { auditArchive: archive.archive } : {}),
      ...(quiet ? {} : { progress: progressLines() }),
    };
    const schema = await introspect(db);
    let result: RetentionRunResult;
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      result = await runRetention(db, policy, schema, options);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      info(yellow(STOPPED));
      return 130;
    }
    if (values.json) json(result);
    else if (!quiet) print(result);
    // A failed step did not stop the others; the run as a whole still failed, and says which.
    if (result.state === 'failed') {
      for (const s of result.steps.filter((x) => x.error)) info(yellow(`${s.rule} stage ${s.stage} failed (${s.error!.code}): ${s.error!.message}; the other steps ran`));
      return 1;
    }
    // Stopped after the last batch of the last step: all was done, but say what the exit code says.
    if (controller.signal.aborted) return info(yellow(STOPPED)), 130;
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await db.close();
  }
}

/** --lease: a duration of at least a second and at most a day. */
function leaseFlag(text: string): number {
  const seconds = parseDuration(text) ? approxSeconds(text) : NaN;
  if (!(seconds >= 1 && seconds <= 86_400)) throw new ConfigError('custodian retention run: --lease must be a duration from 1s to 1d', 'e.g. --lease 2min');
  return seconds * 1000;
}

/** A line on stderr at most about once a second, so a long run shows it is moving without flooding a log. */
function progressLines(): (p: RetentionProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    info(`  ${p.rule} stage ${p.stage}: ${p.rows} rows in ${p.batches} batch${p.batches === 1 ? '' : 'es'}`);
  };
}

const SKIPPED: Record<NonNullable<StepResult['skipped']>, string> = {
  locked: 'skipped: another runner holds this rule',
  'no-mailer': 'skipped: no SMTP URL for notices',
  'no-archive': 'skipped: no audit archive configured',
};

function print(result: RetentionRunResult): void {
  const header = ['rule', 'stage', 'action', 'table', 'rows', 'batches', 'time'];
  const rows = result.steps.map((s) =>
    s.skipped
      ? [s.rule, String(s.stage), s.action, s.table ?? '-', SKIPPED[s.skipped]]
      : [
          s.rule,
          String(s.stage),
          s.action,
          s.table ?? '-',
          String(s.rows),
          String(s.batches),
          `${Math.round(s.ms)} ms${s.cancelled ? `, ${s.cancelled} notices cancelled` : ''}${s.failed ? `, ${s.failed} recipients refused` : ''}${s.error ? `, FAILED: ${s.error.code} ${s.error.message}` : ''}`,
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length === header.length || i < 4).map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 1 || (i >= 4 && i < 6 && cells.length === header.length) ? c.padStart(widths[i]!) : i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ')}`.trimEnd();
  process.stdout.write(`${dim(line(header))}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`${green('retention run')} ${result.runId} as of ${when(result.asOf)}: ${result.rows} rows in ${(result.ms / 1000).toFixed(1)} s\n`);
}
