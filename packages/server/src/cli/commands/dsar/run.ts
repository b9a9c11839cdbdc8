import { join } from 'node:path';
import { LocalArtifactStore, dsarRunTask, enqueueRequest, exportLinkKey, getRequest, standardHandlers } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { createWorker, type WorkerEvent } from '@custodian/core/jobs';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { info, json, red, yellow } from '../../output.js';
import { modeFrom, rootKeyFor } from '../../start-server.js';
import { summaryLine } from './status.js';

export const usage = `custodian dsar run [<request id>] [--watch] [--store <dir>] [--base-url <url>] [--smtp-url <url> [--mail-from <address>]] [--json]

run    carries out requests on the job queue: an access request exports the person into
       the store (default .custodian/exports) and, with --smtp-url, mails them a link
       signed for the policy's exportLinkTtl (served by \`custodian serve\` at
       <base-url>/v1/exports); an erasure request erases them as \`dsar plan\` shows.
       With a request id, that request is queued first (it must be verified). Without --watch it
       runs every due job and exits; with --watch it keeps polling until Ctrl-C.
       Several instances may run at once: a job is claimed by one of them only, and a
       job whose runner died is taken up again once its lease expires.`;

export async function run(rest: string[]): Promise<number> {
  // An optional request id first, as \`dsar status <id>\` takes it.
  const requestId = rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : undefined;
  const { values } = parse('dsar run', requestId === undefined ? rest : rest.slice(1), {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    watch: { type: 'boolean' },
    store: { type: 'string' },
    'base-url': { type: 'string' },
    'smtp-url': { type: 'string' },
    'mail-from': { type: 'string' },
    json: { type: 'boolean' },
    production: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const baseUrl = (values['base-url'] ?? 'http://localhost:3000').replace(/\/$/, '');
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(baseUrl)) throw new ConfigError('custodian dsar run: --base-url must be an http(s) URL', 'e.g. --base-url https://privacy.example.com');
  const smtp = values['smtp-url'] ?? process.env.CUSTODIAN_SMTP_URL;
  const { policy } = await loadPolicy(values);
  const root = rootKeyFor(modeFrom(values.production), '.custodian').key;
  const db = await openFromFlags(values, { mustExist: true });
  try {
    if (requestId !== undefined) await enqueueRequest(db, requestId);
    const handlers = standardHandlers({
      policy,
      access: {
        store: new LocalArtifactStore(values.store ?? join('.custodian', 'exports')),
        linkKey: exportLinkKey(root),
        url: (token) => `${baseUrl}/v1/exports?token=${token}`,
        ...(smtp ? { mail: { smtp, ...(values['mail-from'] ? { from: values['mail-from'] } : {}) } } : {}),
      },
    });
    const ran: Array<{ job: number; outcome: string; request?: string; code?: string }> = [];
    const onEvent = (event: WorkerEvent) => {
      if (event.type === 'error') return info(red(`queue error [${event.error.code}] ${event.error.message}`));
      const request = typeof event.job.payload.requestId === 'string' ? event.job.payload.requestId : undefined;
      ran.push({ job: event.job.id, outcome: event.type, ...(request ? { request } : {}), ...('error' in event ? { code: event.error.code } : {}) });
      if (!values.json && event.type !== 'succeeded') info(yellow(`${event.type}: job ${event.job.id}${request ? ` (request ${request})` : ''}${'error' in event ? ` [${event.error.code}] ${event.error.message}` : ''}`));
    };
    const worker = createWorker(db, { tasks: dsarRunTask(db, { handlers }), onEvent });
    if (values.watch) {
      worker.start();
      info(`running data subject requests as ${worker.id}; Ctrl-C stops after the running one`);
      await new Promise<void>((resolve) => {
        const stop = () => void worker.stop({ graceMs: 30_000 }).then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    } else {
      const count = await worker.runUntilIdle();
      if (!values.json && count === 0) info('no request was due');
    }
    const requests = [];
    for (const id of new Set(ran.flatMap((r) => (r.request ? [r.request] : [])))) {
      const request = await getRequest(db, id);
      if (request) requests.push(request);
    }
    if (values.json) json({ jobs: ran, requests });
    else for (const r of requests) process.stdout.write(`${summaryLine('ran', r)}\n`);
    return ran.some((r) => r.outcome === 'failed') ? 1 : 0;
  } finally {
    await db.close();
  }
}
