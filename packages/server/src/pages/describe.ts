import { DATA_CATEGORIES, isPersonal, ownersOf, type Algorithm, type Column, type Encryption, type EraseAction, type Owner, type Policy, type Table } from '@custodian/core/policy';
import type { ScheduleBasis } from '@custodian/core/retention';

/** The words pages use for the policy's codes, kept in one place so every page says the same thing. */

export const ALGORITHM_NAMES: Record<Algorithm, string> = {
  'xchacha20-poly1305': 'XChaCha20-Poly1305',
  'aes-256-gcm': 'AES-256-GCM',
  'xsalsa20-poly1305': 'XSalsa20-Poly1305 (libsodium secretbox)',
};

export const KEY_SCOPES: Record<Encryption['keyScope'], string> = {
  root: 'one service-wide key',
  tenant: 'a separate key for each customer account',
  subject: 'a separate key for each person, destroyed when they are erased',
};

export const BASIS_NAMES: Record<ScheduleBasis, string> = {
  legal: 'Legal obligation',
  contract: 'Contract',
  operational: 'Operational need',
};

export const REQUEST_KIND_NAMES: Record<string, [name: string, what: string]> = {
  access: ['Access', 'get a copy of the data we hold about you'],
  deletion: ['Deletion', 'have the data about you erased'],
  rectification: ['Correction', 'have inaccurate data about you corrected'],
  restriction: ['Restriction', 'limit how we use the data about you'],
  objection: ['Objection', 'object to a use of the data about you'],
};

export function categoryName(id: string): string {
  return (DATA_CATEGORIES as Record<string, string>)[id] ?? id;
}

/** `completed_at` → `completed at`. */
export function words(identifier: string): string {
  return identifier.replace(/_/g, ' ');
}

/** A column's name on a page: its description, else its name in words, capitalised. */
export function columnName(name: string, column: Column | undefined): string {
  const text = column?.description ?? words(name);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `a, b and c`. */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function personalColumns(table: Table): [string, Column][] {
  return Object.entries(table.columns).filter(([, c]) => isPersonal(c));
}

/** Distinct category ids of a table's personal columns, in column order. */
export function personalCategories(table: Table): string[] {
  return [...new Set(personalColumns(table).map(([, c]) => c.category))];
}

export function isSubjectTable(policy: Policy, name: string): boolean {
  return Object.values(policy.subjects).some((s) => s.table === name);
}

/** Tables that hold data about people: the ones a privacy page must describe. */
export function tablesAboutPeople(policy: Policy): [string, Table][] {
  return Object.entries(policy.tables).filter(
    ([name, t]) => !t.notAboutPersons && (personalColumns(t).length > 0 || ownersOf(t).length > 0 || isSubjectTable(policy, name)),
  );
}

export interface EncryptedField {
  table: string;
  column: string;
  tableDescription: string;
  field: string;
  encryption: Encryption;
}

export function encryptedFields(policy: Policy): EncryptedField[] {
  const out: EncryptedField[] = [];
  for (const [table, t] of Object.entries(policy.tables)) {
    for (const [column, c] of Object.entries(t.columns)) {
      if (c.encryption) out.push({ table, column, tableDescription: t.description, field: columnName(column, c), encryption: c.encryption });
    }
  }
  return out;
}

/** What erasing a subject does to a column or a row, in words; `policy` names the rule a `retain` waits for. */
export function describeErase(erase: EraseAction, policy: Policy): string {
  switch (erase.action) {
    case 'set-null':
      return 'cleared';
    case 'set-literal':
      return `replaced with “${String(erase.value)}”`;
    case 'pseudonymize':
      return `replaced with a pseudonym such as ${erase.template.replace(/\{uuid\}/g, '<uuid>')}`;
    case 'reassign':
      return 'reassigned to a placeholder account';
    case 'delete-row':
      return 'deleted';
    case 'retain': {
      const rule = policy.retention.find((r) => r.id === erase.until);
      return `kept until its retention period (${rule?.description ?? erase.until}) ends: ${erase.reason}`;
    }
    case 'keep':
      return `kept: ${erase.reason}`;
  }
}

/**
 * How a table's rows reach their subject, as hops of `table.column → table.column`:
 * one hop for a direct owner column, several for a path of foreign keys.
 */
export function ownerHops(policy: Policy, table: string, owner: Owner): string[] {
  const subject = policy.subjects[owner.subject];
  const target = subject ? `${subject.table}.${subject.key}` : owner.subject;
  if ('column' in owner) return [`${table}.${owner.column} → ${target}`];
  const hops: string[] = [];
  let from = table;
  for (const hop of owner.path) {
    hops.push(`${from}.${hop.column} → ${hop.references}`);
    from = hop.references.slice(0, hop.references.lastIndexOf('.'));
  }
  return hops;
}
