import { PolicyInvalidError, type PolicyProblem } from '../errors.js';
import { problemsFromZod } from './problems.js';
import { policySchema, type PolicyData, type PolicyInput } from './schema/index.js';
import { semanticProblems } from './semantics.js';

/** Marks a validated policy, so functions taking a `Policy` know it passed `definePolicy`. */
const VALIDATED: unique symbol = Symbol.for('custodian.policy.validated');

/** A policy that passed the schema and every cross-check; deeply frozen. */
export type Policy = PolicyData & { readonly [VALIDATED]: true };

export type ValidationResult = { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates without throwing; reports every problem found, schema and cross-references alike. */
export function validatePolicy(input: unknown): ValidationResult {
  if (input && typeof input === 'object' && (input as Record<symbol, unknown>)[VALIDATED] === true) {
    return { ok: true, policy: input as Policy };
  }
  // reportInput lets us tell a missing field from a wrong one; the input itself is never printed.
  const parsed = policySchema.safeParse(input, { reportInput: true });
  if (parsed.success) {
    const problems = semanticProblems(parsed.data);
    if (problems.length > 0) return { ok: false, problems };
    const policy = Object.defineProperty(parsed.data, VALIDATED, { value: true, enumerable: false }) as Policy;
    return { ok: true, policy: deepFreeze(policy) };
  }
  const problems = problemsFromZod(parsed.error, policySchema);
  // Cross-checks on the raw input still find broken references in the parts that did parse.
  const seen = new Set(problems.map((p) => p.path));
  for (const p of semanticProblems(input as PolicyData)) if (!seen.has(p.path)) problems.push(p);
  return { ok: false, problems };
}

/**
 * Declares a policy: the promises a product makes, stated once. Throws
 * `PolicyInvalidError` listing every problem with its path and a hint.
 *
 * @example
 * // custodian.config.ts
 * import { definePolicy } from '@custodian/core/policy';
 * export default definePolicy({
 *   version: '1.0', effectiveDate: '2026-12-01',
 *   organization: { name: 'Acme', url: 'https://acme.example' },
 *   contacts: { privacy: { email: 'privacy@acme.example' }, security: { email: 'security@acme.example' } },
 *   subjects: { user: { description: 'A person with an account', table: 'users', identities: { id: { kind: 'id', column: 'id' } } } },
 *   tables: { users: { description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, columns: {} } },
 * });
 */
export function definePolicy(input: PolicyInput): Policy {
  const result = validatePolicy(input);
  if (!result.ok) throw new PolicyInvalidError(result.problems);
  return result.policy;
}
