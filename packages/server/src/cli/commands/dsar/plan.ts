import { introspect } from '@custodian/core/check';
import { EnvKeyProvider, FieldCrypto, KeyStore, databaseDecryptAudit } from '@custodian/core/crypto';
import { findSubjects, planErasure, type ErasurePlan } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { dim, info, json } from '../../output.js';
import { modeFrom, rootKeyFor } from '../../start-server.js';

export const usage = `custodian dsar plan --subject <kind> (--id <key> | --email <address> | --identity <name> --value <value>) [--tenant <id>] [--json]

plan   finds the person by one of the identities the policy declares for the subject
       (its key, a normalised email, the blind index of an encrypted email, the
       SHA-256 of an invite token) and shows, for each, every table holding rows
       about them with the row count and what erasure does (columns nulled,
       replaced, pseudonymised, reassigned; rows deleted or retained), the
       statements in foreign-key order and a time estimate. It changes nothing.`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('dsar plan', rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    json: { type: 'boolean' },
    production: { type: 'boolean' },
    subject: { type: 'string' },
    id: { type: 'string' },
    email: { type: 'string' },
    identity: { type: 'string' },
    value: { type: 'string' },
    tenant: { type: 'string' },
  });
  if (values.help) return info(usage), 0;
  if (!values.subject) throw new ConfigError('custodian dsar plan: --subject is required', 'name a subject kind from the policy, e.g. --subject candidate');
  const given = [values.id !== undefined, values.email !== undefined, values.identity !== undefined].filter(Boolean).length;
  if (given !== 1 || (values.identity !== undefined) !== (values.value !== undefined)) {
    throw new ConfigError('custodian dsar plan: give exactly one of --id, --email, or --identity with --value', 'e.g. --email ada@example.com');
  }
  const { policy } = await loadPolicy(values);
  const subject = policy.subjects[values.subject];
  if (!subject) throw new ConfigError(`custodian dsar plan: the policy declares no subject "${values.subject.slice(0, 40)}"`, `one of: ${Object.keys(policy.subjects).join(', ')}`);
  const identity = values.identity ?? (values.id !== undefined ? identityOfKind(subject.identities, 'id') : identityOfKind(subject.identities, 'email'));
  const value = values.value ?? values.id ?? values.email!;
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    // Blind-index lookups need the index keys, derived from the root key (as the reference apps' field crypto does).
    const blind = subject.identities[identity]?.lookup === 'blind-index'
      ? (() => {
          const root = rootKeyFor(modeFrom(values.production), '.custodian').key;
          return new FieldCrypto({ policy, keys: new KeyStore({ db, provider: new EnvKeyProvider(root) }), audit: databaseDecryptAudit(db), indexSecret: root });
        })()
      : undefined;
    const people = await findSubjects(db, policy, schema, {
      subject: values.subject,
      identity,
      value,
      ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
      ...(blind ? { blindIndex: (ref, v) => blind.index(ref, v) } : {}),
    });
    const plans: ErasurePlan[] = [];
    for (const person of people) plans.push(await planErasure(db, policy, schema, person));
    if (values.json) json(plans);
    else if (plans.length === 0) info(`no ${values.subject} has that ${identity}`);
    else for (const plan of plans) print(plan);
    return 0;
  } finally {
    await db.close();
  }
}

function identityOfKind(identities: Record<string, { kind: string }>, kind: string): string {
  const found = Object.entries(identities).find(([, i]) => i.kind === kind);
  if (!found) throw new ConfigError(`custodian dsar plan: the subject has no ${kind} identity`, `use --identity with one of: ${Object.keys(identities).join(', ')}`);
  return found[0];
}

function print(plan: ErasurePlan): void {
  const who = `${plan.subject.subject} ${plan.subject.key}${plan.subject.tenant ? ` in tenant ${plan.subject.tenant}` : ''}`;
  process.stdout.write(`\nerasure plan for ${who} — ${plan.rows} rows, about ${plan.estimateMs} ms (nothing was changed)\n\n`);
  const width = Math.max(...plan.tables.map((t) => t.table.length), 5);
  for (const t of plan.tables) {
    const later = t.deferredTo ? `rule ${t.deferredTo.rule} ${t.deferredTo.action}s them ${t.deferredTo.after} later` : '';
    const what =
      t.fate === 'update' ? t.columns.map((c) => `${c.column}: ${c.action.action}`).join(', ')
      : t.fate === 'delete' ? 'rows deleted'
      : t.fate === 'soft-delete' ? `soft-deleted now; ${later}`
      : t.fate === 'deferred' ? `unchanged now; ${later}`
      : 'rows kept';
    process.stdout.write(`  ${t.table.padEnd(width)}  ${String(t.rows).padStart(7)} rows  ${t.fate.padEnd(11)}  ${what}${t.depth > 0 ? dim(`  (via ${t.depth} foreign keys)`) : ''}\n`);
  }
  process.stdout.write('\n  statements, in order:\n');
  for (const s of plan.steps) process.stdout.write(`  ${String(s.order).padStart(3)}. ${s.kind.padEnd(12)} ${s.table} (${s.rows} rows)\n       ${dim(s.sql)}\n`);
}
