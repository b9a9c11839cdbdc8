import type { DatabaseSchema } from '@custodian/core/check';
import { EnvKeyProvider, FieldCrypto, KeyStore, databaseDecryptAudit } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { findSubjects, type SubjectRef } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { modeFrom, rootKeyFor } from '../../start-server.js';

/** The flags that name a person, shared by every dsar action that takes one. */
export const PERSON_FLAGS = {
  subject: { type: 'string' },
  id: { type: 'string' },
  email: { type: 'string' },
  identity: { type: 'string' },
  value: { type: 'string' },
  tenant: { type: 'string' },
} as const;

export const PERSON_USAGE = '--subject <kind> (--id <key> | --email <address> | --identity <name> --value <value>) [--tenant <id>]';

export interface PersonFlags {
  subject?: string | undefined;
  id?: string | undefined;
  email?: string | undefined;
  identity?: string | undefined;
  value?: string | undefined;
  tenant?: string | undefined;
  production?: boolean | undefined;
}

/** Which identity the flags name, checked against the policy before any database is opened; `command` (`dsar plan`, `retention hold`) names the command in messages. */
export function personQuery(command: string, values: PersonFlags, policy: Policy): { subject: string; identity: string; value: string } {
  if (!values.subject) throw new ConfigError(`custodian ${command}: --subject is required`, 'name a subject kind from the policy, e.g. --subject candidate');
  const given = [values.id !== undefined, values.email !== undefined, values.identity !== undefined].filter(Boolean).length;
  if (given !== 1 || (values.identity !== undefined) !== (values.value !== undefined)) {
    throw new ConfigError(`custodian ${command}: give exactly one of --id, --email, or --identity with --value`, 'e.g. --email ada@example.com');
  }
  const subject = policy.subjects[values.subject];
  if (!subject) throw new ConfigError(`custodian ${command}: the policy declares no subject "${values.subject.slice(0, 40)}"`, `one of: ${Object.keys(policy.subjects).join(', ')}`);
  const identity = values.identity ?? identityOfKind(command, subject.identities, values.id !== undefined ? 'id' : 'email');
  return { subject: values.subject, identity, value: values.value ?? values.id ?? values.email! };
}

/** Every person the flags name: one per tenant an email appears in, unless --tenant narrows it. */
export async function findPeople(command: string, values: PersonFlags, db: Database, policy: Policy, schema: DatabaseSchema): Promise<SubjectRef[]> {
  const query = personQuery(command, values, policy);
  // Blind-index lookups need the index keys, derived from the root key (as the reference apps' field crypto does).
  const blind =
    policy.subjects[query.subject]!.identities[query.identity]?.lookup === 'blind-index'
      ? (() => {
          const root = rootKeyFor(modeFrom(values.production), '.custodian').key;
          return new FieldCrypto({ policy, keys: new KeyStore({ db, provider: new EnvKeyProvider(root) }), audit: databaseDecryptAudit(db), indexSecret: root });
        })()
      : undefined;
  return findSubjects(db, policy, schema, {
    ...query,
    ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
    ...(blind ? { blindIndex: (ref, v) => blind.index(ref, v) } : {}),
  });
}

export function describePerson(person: SubjectRef): string {
  return `${person.subject} ${person.key}${person.tenant ? ` in tenant ${person.tenant}` : ''}`;
}

function identityOfKind(command: string, identities: Record<string, { kind: string }>, kind: string): string {
  const found = Object.entries(identities).find(([, i]) => i.kind === kind);
  if (!found) throw new ConfigError(`custodian ${command}: the subject has no ${kind} identity`, `use --identity with one of: ${Object.keys(identities).join(', ')}`);
  return found[0];
}
