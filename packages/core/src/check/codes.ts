/**
 * Every kind of problem `checkPolicy` reports, with its severity. The codes
 * are stable: tools match on them, and docs/check.md documents each one (a
 * test keeps the two in step). An error means the policy cannot be enforced
 * as written; a warning means it can, but something is probably left out.
 */
export const CHECK_CODES = {
  'table-missing': { severity: 'error', summary: 'A table the policy names does not exist in the database.' },
  'column-missing': { severity: 'error', summary: 'A column the policy names does not exist in its table.' },
  'owner-hop-not-foreign-key': { severity: 'error', summary: 'A hop of an owner path is not backed by a foreign key.' },
  'owner-column-not-foreign-key': { severity: 'warning', summary: 'A direct owner column is not a foreign key to the subject table.' },
  'personal-unreachable': { severity: 'error', summary: 'A table holds personal data but none of its owners reaches a subject in the database.' },
  'set-null-not-null': { severity: 'error', summary: '`set-null` on a NOT NULL column.' },
  'set-literal-type': { severity: 'error', summary: '`set-literal` with a value that does not fit the column type.' },
  'set-literal-unique': { severity: 'error', summary: '`set-literal` on a column under a unique key: every erased row would collide.' },
  'pseudonym-not-unique': { severity: 'error', summary: '`pseudonymize` on a unique column with a template that has no `{uuid}`.' },
  'pseudonym-column-type': { severity: 'error', summary: '`pseudonymize` on a column that does not hold text.' },
  'pseudonym-too-long': { severity: 'error', summary: 'The pseudonym a template produces is longer than the column allows.' },
  'reassign-not-foreign-key': { severity: 'error', summary: '`reassign` on a column that is not a foreign key to the subject table.' },
  'reassign-unique-collision': { severity: 'error', summary: '`reassign` on a column under a unique key: reassigned rows would collide with each other or the placeholder\'s own.' },
  'placeholder-key-type': { severity: 'error', summary: 'The placeholder subject key does not fit the type of the subject key column.' },
  'erase-generated-column': { severity: 'error', summary: 'An erase action writes to a generated or identity column, which cannot be written.' },
  'encrypted-column-type': { severity: 'error', summary: 'An encrypted column is neither bytea nor text.' },
  'mask-column-type': { severity: 'error', summary: 'A mask column does not hold text.' },
  'blind-index-column-type': { severity: 'error', summary: 'A blind-index column is neither bytea nor text.' },
  'identity-column-type': { severity: 'error', summary: 'An identity column cannot be looked up the way the policy says.' },
  'soft-delete-type': { severity: 'error', summary: 'A soft-delete column is not a timestamp or date.' },
  'activity-column-type': { severity: 'error', summary: 'A subject activity column is not a timestamp or date.' },
  'retention-from-type': { severity: 'error', summary: 'A retention rule measures age from a column that is not a timestamp or date.' },
  'retention-where-type': { severity: 'error', summary: 'A retention condition compares a column with a value of the wrong type.' },
  'erasure-cycle': { severity: 'error', summary: 'Tables whose rows erasure deletes reference each other in a cycle no foreign key breaks.' },
  'erase-blocked-by-reference': { severity: 'error', summary: 'A foreign key from rows erasure leaves in place would block deleting the subject\'s rows.' },
  'erase-cascade-retained': { severity: 'error', summary: 'Deleting a subject\'s rows would cascade into rows the policy keeps.' },
  'column-undeclared': { severity: 'warning', summary: 'A column that looks personal by its name is not in the policy.' },
  'table-undeclared': { severity: 'warning', summary: 'A table with columns that look personal is not in the policy.' },
  'rls-disabled': { severity: 'warning', summary: 'A table with a tenant column has row-level security off.' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; summary: string }>;

export type CheckCode = keyof typeof CHECK_CODES;
export type Severity = 'error' | 'warning';
