import { SeededRandom } from '@custodian/core/testing';
import { digits, type SeededUser } from './people.js';
import type { SeededProject } from './projects.js';
import type { PendingSeal } from './sealing.js';

export interface MoneyRows {
  credit_transactions: Record<string, unknown>[];
  payout_methods: Record<string, unknown>[];
  tax_forms: Record<string, unknown>[];
  /** Bank account, routing and tax id numbers still to be sealed into their rows (A1). */
  seals: PendingSeal[];
}

/**
 * SSNs in area 900–999 and EINs with prefix 00 are never issued, so the seed
 * cannot contain anyone's real number.
 */
function fakeTin(rng: SeededRandom, type: 'ssn' | 'ein'): string {
  return type === 'ssn' ? `9${digits(rng, 2)}-${digits(rng, 2)}-${digits(rng, 4)}` : `00-${digits(rng, 7)}`;
}

/**
 * Credits for most people (a top-up, then deductions tagged with the slug of
 * a project they used); for creators a payout method, and for about half of
 * those a W-9. Tax forms go back up to nine years, so some are past the
 * 7-year rule (A8).
 */
export function generateMoney(seed: string, users: readonly SeededUser[], projects: readonly SeededProject[], now: Date): MoneyRows {
  const rng = new SeededRandom(`${seed}:money`);
  const out: MoneyRows = { credit_transactions: [], payout_methods: [], tax_forms: [], seals: [] };
  for (const user of users) {
    if (projects.length === 0 || !rng.chance(0.7)) continue;
    const end = user.deletedAt ?? now;
    const topUpAt = rng.date(user.createdAt, end);
    out.credit_transactions.push({ id: rng.uuid(), user_id: user.id, kind: 'top-up', project_slug: null, amount: rng.int(5, 50) * 100, created_at: topUpAt });
    const spends = rng.int(0, 4);
    for (let i = 0; i < spends; i++) {
      out.credit_transactions.push({
        id: rng.uuid(),
        user_id: user.id,
        kind: 'deduction',
        project_slug: rng.pick(projects).slug,
        amount: -rng.int(1, 50),
        created_at: rng.date(topUpAt, end),
      });
    }
  }
  const byId = new Map(users.map((u) => [u.id, u]));
  const creators = [...new Set(projects.map((p) => p.ownerId))].map((id) => byId.get(id)!);
  for (const creator of creators) {
    if (!rng.chance(0.6)) continue;
    const end = creator.deletedAt ?? now;
    const account = digits(rng, rng.int(8, 12));
    const methodId = rng.uuid();
    const routing = `0${digits(rng, 8)}`;
    const method: Record<string, unknown> = {
      id: methodId,
      user_id: creator.id,
      account_holder_name: creator.name,
      // Sealed by the seed before insert; account_last4 is the policy's mask (A1).
      bank_account_ciphertext: null,
      routing_number_ciphertext: null,
      account_last4: null,
      created_at: rng.date(creator.createdAt, end),
      disabled_at: null,
    };
    out.payout_methods.push(method);
    out.seals.push(
      { table: 'payout_methods', column: 'bank_account_ciphertext', row: method, subject: creator.id, plaintext: account },
      { table: 'payout_methods', column: 'routing_number_ciphertext', row: method, subject: creator.id, plaintext: routing },
    );
    if (!rng.chance(0.5)) continue;
    const tinType = rng.chance(0.7) ? 'ssn' : 'ein';
    const tin = fakeTin(rng, tinType);
    const collected = rng.date(creator.createdAt, end);
    const form: Record<string, unknown> = {
      id: rng.uuid(),
      user_id: creator.id,
      form_type: 'W-9',
      tin_type: tinType,
      legal_name: creator.name,
      business_name: tinType === 'ein' ? `${creator.name.split(' ').pop()} Studio LLC` : null,
      address: `${rng.int(1, 9999)} Example Street, Springfield, ST 00000`,
      // Sealed by the seed before insert; tin_last4 is the policy's mask (A1).
      tin_ciphertext: null,
      tin_last4: null,
      tax_year: collected.getUTCFullYear(),
      created_at: collected,
    };
    out.tax_forms.push(form);
    out.seals.push({ table: 'tax_forms', column: 'tin_ciphertext', row: form, subject: creator.id, plaintext: tin });
  }
  return out;
}
