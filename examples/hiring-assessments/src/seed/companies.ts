import { fakePerson, type SeededRandom } from '@custodian/core/testing';
import { COMPANY_SUFFIXES, COMPANY_WORDS } from './vocabulary.js';
import { DAY, addDays, addMonths, earliest } from './time.js';

type Row = Record<string, unknown>;

/** What the candidate generator needs to know about a company. */
export interface CompanyContext {
  id: string;
  index: number;
  startedAt: Date;
  /** When the contract ended, or ends; null while it runs. */
  endedAt: Date | null;
  /** Members who may invite and review (everyone but viewers). */
  staff: string[];
}

export interface CompanyRows {
  contexts: CompanyContext[];
  companies: Row[];
  members: Row[];
  /** API key rows without their key columns: the seed seals `plaintext` into them before inserting. */
  apiKeys: ApiKeyDraft[];
  billing: Row[];
}

/** A customer API key row before sealing: its plaintext is held apart so it can never be inserted as is. */
export interface ApiKeyDraft {
  row: Row & { company_id: string; id: string };
  plaintext: string;
}

const MONTHLY_CENTS: Record<string, number> = { beta: 0, team: 49_900, enterprise: 249_900 };
const ROLES_AFTER_ADMIN = ['member', 'member', 'member', 'viewer'] as const;

/**
 * Contract dates spread across every boundary C15 and C16 care about: most
 * contracts started within three years, some over seven years ago (so their
 * oldest invoices are past the 7-year rule); a fifth have ended, half of
 * those more than 30 days ago (due for anonymization), half still in grace.
 */
function contract(rng: SeededRandom, index: number, now: Date): { startedAt: Date; endedAt: Date | null; closedAt: Date | null } {
  const old = index > 0 && rng.chance(0.15);
  const startedAt = old ? addDays(now, -rng.int(7 * 365 + 10, 8 * 365)) : addDays(now, -rng.int(60, 3 * 365));
  // The first company always has a running contract, so small seeds have one to work with.
  if (index === 0 || !rng.chance(0.2)) return { startedAt, endedAt: null, closedAt: null };
  if (rng.chance(0.15)) return { startedAt, endedAt: addDays(now, rng.int(10, 200)), closedAt: null }; // notice given, not yet ended
  const endedAt = rng.chance(0.5) ? addDays(now, -rng.int(31, 150)) : addDays(now, -rng.int(1, 29));
  const clamped = endedAt.getTime() <= startedAt.getTime() ? addDays(startedAt, 30) : endedAt;
  return { startedAt, endedAt: clamped, closedAt: clamped };
}

function apiKeyPlaintext(rng: SeededRandom): string {
  return `sk-ant-api03-${rng.hex(40)}`;
}

export function generateCompanies(rng: SeededRandom, count: number, now: Date): CompanyRows {
  const out: CompanyRows = { contexts: [], companies: [], members: [], apiKeys: [], billing: [] };
  let person = 0;
  for (let index = 0; index < count; index++) {
    const id = rng.uuid();
    const name = `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_SUFFIXES)}`;
    const domain = `${name.toLowerCase().replace(/[^a-z]+/g, '')}-${index}.example`;
    const plan = index === 0 ? 'team' : rng.pick(['beta', 'team', 'team', 'enterprise']);
    const { startedAt, endedAt, closedAt } = contract(rng, index, now);
    out.companies.push({
      id,
      name,
      domain,
      plan,
      region: 'us',
      contract_started_at: startedAt,
      contract_ended_at: endedAt,
      closed_at: closedAt,
      created_at: startedAt,
    });

    const memberIds: string[] = [];
    const staff: string[] = [];
    let ownerEmail = '';
    const memberCount = rng.int(3, 6);
    for (let m = 0; m < memberCount; m++) {
      const p = fakePerson(rng, person++);
      const memberId = rng.uuid();
      const role = m === 0 ? 'owner' : m === 1 ? 'admin' : rng.pick(ROLES_AFTER_ADMIN);
      const email = `${p.first}.${p.last}.${m}`.toLowerCase().replace(/[^a-z0-9.]/g, '') + `@${domain}`;
      if (m === 0) ownerEmail = email;
      memberIds.push(memberId);
      if (role !== 'viewer') staff.push(memberId);
      const lastLogin = rng.chance(0.9) ? addDays(earliest(now, endedAt ?? now), -rng.int(0, 120)) : null;
      out.members.push({
        company_id: id,
        id: memberId,
        email,
        display_name: p.name,
        role,
        last_login_at: lastLogin && lastLogin > startedAt ? lastLogin : null,
        created_at: addDays(startedAt, m),
      });
    }

    const keyCount = rng.int(1, 2);
    for (let k = 0; k < keyCount; k++) {
      const plaintext = apiKeyPlaintext(rng);
      const createdAt = addDays(startedAt, 1 + k * 30);
      out.apiKeys.push({
        plaintext,
        row: {
          company_id: id,
          id: rng.uuid(),
          label: k === 0 ? 'Production' : 'Previous key',
          created_by: memberIds[0],
          created_at: createdAt,
          // An older key was rotated out when the next one arrived.
          revoked_at: k === 0 && keyCount === 2 ? addDays(createdAt, 30) : null,
        },
      });
    }

    // Paid plans are invoiced monthly for the contract's life (C16).
    const monthly = MONTHLY_CENTS[plan] ?? 0;
    if (monthly > 0) {
      const until = earliest(now, endedAt ?? now);
      for (let month = 0; ; month++) {
        const periodStart = addMonths(startedAt, month);
        const periodEnd = addMonths(startedAt, month + 1);
        if (periodEnd.getTime() > until.getTime()) break;
        out.billing.push({
          company_id: id,
          id: rng.uuid(),
          period_start: periodStart,
          period_end: periodEnd,
          amount_cents: monthly + rng.int(0, 20) * 1000,
          currency: 'USD',
          invoice_number: `INV-${String(index).padStart(6, '0')}-${String(month + 1).padStart(4, '0')}`,
          billing_email: rng.chance(0.3) ? `billing@${domain}` : ownerEmail,
          billing_contact_member_id: memberIds[0],
          created_at: earliest(new Date(periodEnd.getTime() + DAY), now),
        });
      }
    }
    out.contexts.push({ id, index, startedAt, endedAt, staff });
  }
  return out;
}
