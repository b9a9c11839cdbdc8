import { createInvite, isRole, listGrants, listMembers, setOperator } from '@custodian/core/auth';
import { ConfigError } from '@custodian/core/errors';
import { approxSeconds } from '@custodian/core/policy';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../args.js';
import { loadPolicy, withDatabase } from '../context.js';
import { green, info, json } from '../output.js';

export const summary = 'invite a tenant\'s first owner, list members, make platform operators, list operator grants';

export const usage = `custodian access invite --tenant <id> --email <address> [--role owner]
  prints a one-time invite token (shown once; only its hash is stored): the invitee signs
  in with the invited address and posts it to /v1/invites/accept.
  The way to seat a tenant's first owner; later invites come from the tenant's admins (API).
custodian access members --tenant <id> [--json]
custodian access operator add|remove --email <address>
  makes a signed-in account a platform operator (or stops it being one); operators read a
  tenant's data only under a time-boxed, justified grant that the tenant sees (POST /v1/admin/grants).
custodian access grants [--tenant <id>] [--json]

common: [--policy custodian.config.ts] [--database-url <url> | --data-dir <dir>]`;

const FLAGS = { ...DATABASE_FLAGS, ...POLICY_FLAGS, tenant: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } } as const;

function required(action: string, name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new ConfigError(`custodian access ${action}: --${name} is required`, `run \`custodian access --help\``);
  return value.trim();
}

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') return info(usage), action ? 0 : 2;
  if (action === 'operator') {
    const [change, ...flags] = rest;
    if (change !== 'add' && change !== 'remove') throw new ConfigError('custodian access operator: say add or remove', 'e.g. custodian access operator add --email ops@example.com');
    const { values } = parse('access operator', flags, FLAGS);
    const email = required('operator', 'email', values.email);
    const result = await withDatabase(values, (db) => setOperator(db, { email, operator: change === 'add', by: 'cli' }));
    info(result.changed ? green(`${change === 'add' ? 'made' : 'removed'} operator ${result.accountId}`) : `no change: the account ${change === 'add' ? 'is already' : 'is not'} an operator`);
    return 0;
  }
  const { values } = parse(`access ${action.slice(0, 20)}`, rest, FLAGS);
  if (values.help) return info(usage), 0;
  switch (action) {
    case 'invite': {
      const tenant = required('invite', 'tenant', values.tenant);
      const email = required('invite', 'email', values.email);
      const role = values.role ?? 'owner';
      if (!isRole(role)) throw new ConfigError('custodian access invite: --role must be owner, admin, member or viewer');
      const { policy } = await loadPolicy(values);
      const invite = await withDatabase(values, (db) => createInvite(db, { tenant, email, role, ttlSeconds: approxSeconds(policy.auth.invites.ttl), by: { type: 'system', id: 'cli' } }));
      if (values.json) return json({ id: invite.id, token: invite.token, expiresAt: invite.expiresAt.toISOString() }), 0;
      info(green(`invited ${email} as ${role} of ${tenant} until ${invite.expiresAt.toISOString()}`));
      info('send them this token; it is shown once and cannot be shown again (they sign in and POST it to /v1/invites/accept):');
      process.stdout.write(`${invite.token}\n`);
      return 0;
    }
    case 'members': {
      const tenant = required('members', 'tenant', values.tenant);
      const members = await withDatabase(values, (db) => listMembers(db, tenant));
      if (values.json) return json(members), 0;
      if (members.length === 0) return info(`tenant ${tenant} has no members`), 0;
      for (const m of members) process.stdout.write(`${m.role.padEnd(7)} ${m.accountId} ${m.email ?? '(no email)'}${m.name ? ` (${m.name})` : ''}\n`);
      return 0;
    }
    case 'grants': {
      const grants = await withDatabase(values, (db) => listGrants(db, values.tenant ? { tenant: values.tenant } : {}));
      if (values.json) return json(grants), 0;
      if (grants.length === 0) return info('no operator grants'), 0;
      for (const g of grants) {
        const state = g.revokedAt ? 'revoked' : new Date(g.expiresAt) <= new Date() ? 'ended' : 'live';
        process.stdout.write(`${state.padEnd(7)} ${g.id} operator ${g.operatorId} tenant ${g.tenant} ${g.startsAt} → ${g.expiresAt} ticket ${g.ticket ?? '-'}: ${g.justification}\n`);
      }
      return 0;
    }
    default:
      throw new ConfigError(`custodian access: unknown action "${action.slice(0, 20)}"`, 'use one of: invite, members, operator, grants');
  }
}
