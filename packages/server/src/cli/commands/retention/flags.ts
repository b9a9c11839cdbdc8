import { ConfigError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { retentionSteps } from '@custodian/core/retention';
import { POLICY_FLAGS } from '../../args.js';

/** Accepted by every action, as `custodian retention --help` says. */
export const COMMON = { ...POLICY_FLAGS, production: { type: 'boolean' } } as const;

/** Dates and times in full: a date is midnight UTC; a time must carry its zone, so no one previews the wrong day. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * `--at`: the time a plan or run decides against, instead of the database's
 * clock. Strict: 2027-02-30, 24:00, a time without a zone or a year before
 * 1970 are refused rather than rolled over or read as local time.
 */
export function atFlag(command: string, text: string): Date {
  const m = ISO.exec(text);
  const refuse = () => new ConfigError(`custodian ${command}: --at must be an ISO date, or a date and time with its zone`, 'e.g. --at 2027-06-01 or --at 2027-06-01T09:00:00Z');
  if (!m) throw refuse();
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  const zoneOk = m[8] === undefined || (Number(m[8]) <= 14 && Number(m[9]) < 60);
  if (year! < 1970 || month! < 1 || month! > 12 || day! < 1 || day! > days || hour > 23 || minute > 59 || second > 59 || !zoneOk) throw refuse();
  const at = new Date(m[4] === undefined ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(at.getTime())) throw refuse();
  return at;
}

/** `--rule` ids, each checked against the steps the policy defines (rule ids and `audit.retention`). */
export function ruleFlags(command: string, policy: Policy, rules: string[] | undefined): string[] | undefined {
  if (rules === undefined || rules.length === 0) return undefined;
  const known = [...new Set(retentionSteps(policy).map((s) => s.rule))];
  for (const rule of rules) {
    if (!known.includes(rule)) throw new ConfigError(`custodian ${command}: the policy has no retention rule "${rule.slice(0, 60)}"`, `one of: ${known.join(', ')}`);
  }
  return [...new Set(rules)];
}

const MAX_TEXT = 1000;

/** A required line of text (a reason), trimmed; names the flag and the command when missing or too long. */
export function textFlag(command: string, flag: string, value: string | undefined, hint: string): string {
  if (value === undefined || value.trim() === '') throw new ConfigError(`custodian ${command}: --${flag} is required`, hint);
  if (value.length > MAX_TEXT) throw new ConfigError(`custodian ${command}: --${flag} is longer than ${MAX_TEXT} characters`, 'keep it to the reason and a reference; no personal data');
  return value.trim();
}

/** `2027-06-01 09:00Z`: minutes are enough for an operator. */
export function when(date: Date | null): string {
  return date ? date.toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z').replace('T', ' ') : '-';
}
