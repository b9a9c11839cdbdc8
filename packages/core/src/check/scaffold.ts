import type { DataCategory } from '../policy/schema/categories.js';
import { guessPersonal } from './personal-names.js';
import { guessOwners, guessSubject, isNameable, tenantColumn, type OwnerGuess, type SubjectGuess } from './scaffold-guess.js';
import type { DatabaseSchema, TableInfo } from './schema-types.js';
import { arr, entry, obj, render, val, type SourceEntry, type SourceNode } from './ts-source.js';

export interface ScaffoldOptions {
  /** The organisation's name for the policy; a placeholder otherwise. */
  organization?: string;
  /** The table with one row per person; guessed (users, candidates, accounts, …) when left out. */
  subjectTable?: string;
  /** The policy's effective date, YYYY-MM-DD; today (UTC) by default. */
  date?: string;
}

/** A column the draft declares as personal data on the strength of its name, for a person to confirm. */
export interface FlaggedColumn {
  table: string;
  column: string;
  category: DataCategory;
  reason: string;
}

export interface ScaffoldResult {
  /** The TypeScript source of a `custodian.config.ts`. */
  source: string;
  flagged: FlaggedColumn[];
}

const CONFIRM = 'TODO confirm:';

function ownerNode(subject: SubjectGuess, owner: OwnerGuess): SourceNode {
  if ('column' in owner) return obj([entry('subject', val(subject.name)), entry('column', val(owner.column))]);
  return obj([
    entry('subject', val(subject.name)),
    entry('path', arr(owner.path.map((h) => obj([entry('column', val(h.column)), entry('references', val(h.references))])))),
  ]);
}

function ownerComment(table: TableInfo, subject: SubjectGuess, owners: OwnerGuess[]): string {
  if (table === subject.table) return `${CONFIRM} one row per ${subject.name}; erasure deletes it unless columns get erase actions`;
  const how = owners.map((o) => ('column' in o ? `${table.key}.${o.column}` : [table.key, ...o.path.map((h) => h.references)].join(' → '))).join(' and ');
  return `${CONFIRM} rows belong to a ${subject.name} through ${how}; erasure deletes them unless columns get erase actions`;
}

function tableNode(schema: DatabaseSchema, table: TableInfo, subject: SubjectGuess | undefined, flagged: FlaggedColumn[]): SourceEntry {
  const owners = subject ? guessOwners(schema, table, subject) : [];
  const entries: SourceEntry[] = [entry('description', val(`TODO describe what a row of ${table.key} is`)), entry('purpose', val('TODO say why it is kept'))];
  if (subject && owners.length > 0) {
    const node = owners.length === 1 ? ownerNode(subject, owners[0]!) : arr(owners.map((o) => ownerNode(subject, o)));
    entries.push(entry('owner', node, ownerComment(table, subject, owners)));
  }
  const tenant = tenantColumn(table);
  if (tenant) entries.push(entry('tenant', val(tenant)));

  const columns: SourceEntry[] = [];
  for (const column of Object.values(table.columns)) {
    if (!isNameable(column.name)) continue;
    const guess = guessPersonal(table, column);
    if (!guess) continue;
    flagged.push({ table: table.key, column: column.name, category: guess.category, reason: guess.reason });
    const fields: SourceEntry[] = [entry('category', val(guess.category))];
    if (guess.secret) fields.push(entry('secret', val(true)));
    // A personal column needs a subject to reach it; without an owner the draft says so instead of failing to load.
    if (owners.length === 0) fields.push(entry('personal', val(false)));
    const note = owners.length > 0
      ? `${CONFIRM} ${guess.category} (${guess.reason})${guess.secret && !column.name.endsWith('_hash') ? '; consider encryption' : ''}`
      : `${CONFIRM} looks like ${guess.category} (${guess.reason}) but no foreign key leads to a subject: give the table an owner, or confirm it holds nothing about a person`;
    columns.push(entry(column.name, obj(fields), note));
  }
  if (owners.length === 0 && columns.length === 0) {
    entries.push(entry('notAboutPersons', val('No column looks personal and no foreign key leads to a subject'), `${CONFIRM} nothing in this table is about a person`));
  }
  entries.push(entry('columns', obj(columns)));
  return entry(table.key, obj(entries));
}

/**
 * Drafts a policy for an existing database (`custodian init`): every table,
 * owners guessed from foreign keys to a guessed subject table, and every
 * column whose name looks personal declared with a guessed category and a
 * `// TODO confirm:` comment. The draft loads with `definePolicy` and passes
 * `checkPolicy` against the same database, save for warnings; what it
 * guessed is for a person to confirm before anyone relies on it.
 *
 * @example
 * const { source, flagged } = scaffoldPolicy(await introspect(db), { organization: 'Acme' });
 * await writeFile('custodian.config.ts', source);
 */
export function scaffoldPolicy(schema: DatabaseSchema, options: ScaffoldOptions = {}): ScaffoldResult {
  const flagged: FlaggedColumn[] = [];
  const subject = guessSubject(schema, options.subjectTable);
  const skipped = Object.values(schema.tables).filter((t) => !isNameable(t.name) || !isNameable(t.schema));
  const tables = Object.values(schema.tables).filter((t) => !skipped.includes(t));
  const tableEntries = tables.map((t) => tableNode(schema, t, subject, flagged));

  const subjects: SourceEntry[] = [];
  if (subject) {
    const identities: SourceEntry[] = [entry('id', obj([entry('kind', val('id')), entry('column', val(subject.key))]))];
    const email = Object.values(subject.table.columns).find((c) => c.kind === 'text' && /(^|_)email$/.test(c.name));
    if (email) identities.push(entry('email', obj([entry('kind', val('email')), entry('column', val(email.name)), entry('lookup', val('normalized'))])));
    subjects.push(
      entry(
        subject.name,
        obj([entry('description', val(`A person with a row in ${subject.table.key}`)), entry('table', val(subject.table.key)), entry('key', val(subject.key)), ...(subject.tenant ? [entry('tenant', val(subject.tenant))] : []), entry('identities', obj(identities))]),
        `${CONFIRM} ${subject.table.key} holds one row per person this policy is about`,
      ),
    );
  }

  const date = options.date ?? new Date().toISOString().slice(0, 10);
  const policy = obj([
    entry('version', val('0.1'), 'TODO: bump the version and effective date whenever the promises change'),
    entry('effectiveDate', val(date)),
    entry('organization', obj([entry('name', val(options.organization ?? 'TODO organization name')), entry('url', val('https://example.com'))]), 'TODO: your organisation and contact addresses'),
    entry('contacts', obj([entry('privacy', obj([entry('email', val('privacy@example.com'))])), entry('security', obj([entry('email', val('security@example.com'))]))])),
    entry('subjects', obj(subjects), ...(subject ? [] : ['TODO: no table looks like one row per person; declare the subject table and its key'])),
    entry('tables', obj(tableEntries)),
  ]);

  const header = [
    '// Drafted by `custodian init` from the database structure (no rows were read).',
    '// Every line marked TODO is a guess for a person to confirm; `custodian check` shows what still does not fit.',
    ...skipped.map((t) => `// Skipped table ${`${t.schema}.${t.name}`.replace(/[\r\n\u2028\u2029]/g, ' ')}: a policy names tables by plain lower-case identifiers.`),
  ];
  const source = `${header.join('\n')}\nimport { definePolicy } from '@custodian/core/policy';\n\nexport default definePolicy(${render(policy)});\n`;
  return { source, flagged };
}
