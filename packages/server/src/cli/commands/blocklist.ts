import { userInfo } from 'node:os';
import { ConfigError } from '@custodian/core/errors';
import { addBlock, blocklistExpiry, listBlocks, removeBlock, type BlockActor, type BlockEntry } from '@custodian/core/limits';
import { approxSeconds, parseDuration } from '@custodian/core/policy';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../args.js';
import { loadPolicy, withDatabase } from '../context.js';
import { green, info, json } from '../output.js';

export const summary = 'the incident-response IP blocklist: add, remove and list entries';

export const usage = `custodian blocklist add <address or range> --reason <text> [--expires <duration>] [--json]
  blocks one address (203.0.113.7, 2001:db8::1) or a range (203.0.113.0/24, 2001:db8::/48):
  every request from it gets 403 ERR_IP_BLOCKED before any other work. The expiry defaults
  to the policy's blocklist.defaultExpiry (30d) and may not pass blocklist.maxExpiry (1y).
  Running servers apply it within 5 seconds. Audited in the platform chain and in the
  chains of tenants whose members signed in from that network in the last 30 days.
custodian blocklist remove <entry id>
custodian blocklist list [--all] [--json]
  entries in force, newest first; --all includes removed and expired ones.

common: [--policy custodian.config.ts] [--database-url <url> | --data-dir <dir>]`;

const FLAGS = { ...DATABASE_FLAGS, ...POLICY_FLAGS, reason: { type: 'string' }, expires: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } } as const;

/** Who made the change, as the audit trail shows it: the command line and the local user. */
function actor(): BlockActor {
  let user = 'unknown';
  try {
    user = userInfo().username || 'unknown';
  } catch {
    // No passwd entry for this uid (some containers): the change is still attributed to the command line.
  }
  return { type: 'system', id: `cli:${user}` };
}

function line(e: BlockEntry): string {
  const state = e.removedAt ? `removed ${e.removedAt.toISOString()} by ${e.removedBy}` : e.expiresAt <= new Date() ? 'expired' : `until ${e.expiresAt.toISOString()}`;
  return `${e.id}  ${e.network.padEnd(20)} ${state}  ${e.reason}  (by ${e.createdBy})`;
}

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') return info(usage), action ? 0 : 2;
  const { values, positionals } = parse(`blocklist ${action.slice(0, 20)}`, rest, FLAGS, true);
  if (values.help) return info(usage), 0;
  switch (action) {
    case 'add': {
      const network = positionals[0];
      if (!network || positionals.length > 1) throw new ConfigError('custodian blocklist add: give one address or range', 'e.g. custodian blocklist add 203.0.113.7 --reason "credential stuffing"');
      if (!values.reason?.trim()) throw new ConfigError('custodian blocklist add: --reason is required', 'say why, e.g. --reason "credential stuffing, incident 114"');
      if (values.expires !== undefined && !parseDuration(values.expires)) throw new ConfigError('custodian blocklist add: --expires must be a duration such as 12h, 7d or 3mo');
      const { policy } = await loadPolicy(values);
      const bounds = blocklistExpiry(policy);
      const entry = await withDatabase(values, (db) =>
        addBlock(db, { network, reason: values.reason!, expiresInSeconds: values.expires ? approxSeconds(values.expires) : undefined, actor: actor() }, bounds),
      );
      if (values.json) return json(entry), 0;
      info(green(`blocked ${entry.network} until ${entry.expiresAt.toISOString()} (entry ${entry.id}); running servers apply it within 5 s`));
      return 0;
    }
    case 'remove': {
      const id = positionals[0];
      if (!id || positionals.length > 1) throw new ConfigError('custodian blocklist remove: give the entry id', 'list them with: custodian blocklist list');
      const entry = await withDatabase(values, (db) => removeBlock(db, { id, actor: actor() }));
      if (!entry) {
        info(`no entry in force has the id ${id}; custodian blocklist list shows them`);
        return 1;
      }
      info(green(`removed ${entry.network} (entry ${entry.id}); running servers lift it within 5 s`));
      return 0;
    }
    case 'list': {
      const entries = await withDatabase(values, (db) => listBlocks(db, { all: values.all ?? false }));
      if (values.json) return json(entries), 0;
      if (entries.length === 0) return info(values.all ? 'the blocklist has never had an entry' : 'no blocklist entries in force'), 0;
      for (const e of entries) process.stdout.write(`${line(e)}\n`);
      return 0;
    }
    default:
      throw new ConfigError(`custodian blocklist: unknown action \`${action.slice(0, 40)}\``, 'say add, remove or list');
  }
}
