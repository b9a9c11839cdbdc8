import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Queryable } from '../db/types.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import { findColumn, findTable } from '../check/lookup.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/index.js';
import type { SubjectRef } from './subject-rows.js';

export interface SubjectLookup {
  subject: string;
  /** The name of one of the subject's identities in the policy (`id`, `email`, `invite` …). */
  identity: string;
  value: string;
  /** Restricts the search to one tenant; needed for a blind index unless every tenant's index is tried. */
  tenant?: string;
  /** Computes blind indexes, for identities looked up by one (`FieldCrypto#index`). */
  blindIndex?: (ref: { table: string; column: string; tenant?: string }, value: string) => Uint8Array;
}

/**
 * The people an identity names (B5, C10, C11): the subject rows it leads to,
 * by the identity's declared lookup — the key itself, a normalised email, the
 * blind index of an encrypted email, or the SHA-256 of an invite token. An
 * email can name one person in several tenants; each is returned.
 *
 * @example
 * const people = await findSubjects(db, policy, schema, { subject: 'candidate', identity: 'email', value: 'Ada@Example.com ' });
 */
export async function findSubjects(db: Queryable, policy: Policy, schema: DatabaseSchema, lookup: SubjectLookup): Promise<SubjectRef[]> {
  const subject = policy.subjects[lookup.subject];
  if (!subject) throw new CustodianError('ERR_CONFIG_INVALID', 'the policy declares no such subject', { hint: `one of: ${Object.keys(policy.subjects).join(', ')}` });
  const identity = subject.identities[lookup.identity];
  if (!identity) throw new CustodianError('ERR_CONFIG_INVALID', `subject ${lookup.subject} has no such identity`, { hint: `one of: ${Object.keys(subject.identities).join(', ')}` });
  if (typeof lookup.value !== 'string' || lookup.value.length === 0 || lookup.value.length > 4096) {
    throw new CustodianError('ERR_CONFIG_INVALID', 'the identity value must be non-empty text of at most 4096 characters');
  }
  const table = identity.table ?? subject.table;
  const keyColumn = identity.table && identity.table !== subject.table ? identity.subjectColumn! : subject.key;
  const tenantColumn = identity.table && identity.table !== subject.table ? policy.tables[table]?.tenant : subject.tenant;
  const column = findColumn(findTable(schema, table), identity.column);
  if (!column) throw new CustodianError('ERR_CONFIG_INVALID', `the database has no column ${table}.${identity.column}`, { hint: 'run custodian check' });

  const c = `t.${quoteIdent(identity.column)}`;
  const params: unknown[] = [];
  let match: string;
  switch (identity.lookup) {
    case 'exact':
      params.push(lookup.value);
      match = `${c}::text = $1`;
      break;
    case 'normalized':
      params.push(lookup.value.normalize('NFC'));
      match = `lower(btrim(${c})) = lower(btrim($1))`;
      break;
    case 'sha256':
      params.push(lookup.value);
      match = column.kind === 'bytea' ? `${c} = sha256(convert_to($1, 'UTF8'))` : `lower(${c}) = encode(sha256(convert_to($1, 'UTF8')), 'hex')`;
      break;
    case 'blind-index': {
      const indexColumn = policy.tables[table]?.columns[identity.column]?.encryption?.blindIndex?.column;
      if (!indexColumn || !lookup.blindIndex) {
        throw new CustodianError('ERR_CONFIG_INVALID', `finding ${lookup.subject} by ${lookup.identity} needs the column's blind index`, { hint: 'pass blindIndex (FieldCrypto#index)' });
      }
      const tenants = tenantColumn === undefined ? [undefined] : lookup.tenant !== undefined ? [lookup.tenant] : (await db.query<{ t: string }>(`SELECT DISTINCT ${quoteIdent(tenantColumn)}::text AS t FROM ${quoteQualified(table)}`)).rows.map((r) => r.t);
      params.push(tenants.map((tenant) => Buffer.from(lookup.blindIndex!({ table, column: identity.column, ...(tenant === undefined ? {} : { tenant }) }, lookup.value))));
      match = `t.${quoteIdent(indexColumn)} = ANY($1::bytea[])`;
      break;
    }
  }
  let sql = `SELECT DISTINCT t.${quoteIdent(keyColumn)}::text AS key${tenantColumn ? `, t.${quoteIdent(tenantColumn)}::text AS tenant` : ''} FROM ${quoteQualified(table)} t WHERE ${match}`;
  if (lookup.tenant !== undefined && tenantColumn) {
    params.push(lookup.tenant);
    sql += ` AND t.${quoteIdent(tenantColumn)}::text = $${params.length}`;
  }
  const { rows } = await db.query<{ key: string | null; tenant?: string }>(`${sql} ORDER BY 1`, params);
  return rows.filter((r) => r.key !== null).map((r) => ({ subject: lookup.subject, key: r.key!, ...(r.tenant === undefined ? {} : { tenant: r.tenant }) }));
}
