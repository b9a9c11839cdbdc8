import type { Database } from '../db/types.js';
import { allAuditEvents, type AuditEvent, type AuditQuery } from './query.js';

export type AuditExportFormat = 'jsonl' | 'csv';

const CSV_COLUMNS = [
  'tenant', 'seq', 'occurred_at', 'occurred_at_us', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id',
  'subject_id', 'session_id', 'purpose', 'ip', 'user_agent', 'metadata', 'prev_hash', 'hash',
] as const;

/**
 * A tenant's audit log as JSON Lines or CSV (B3), streamed page by page: yields
 * text chunks to write to a file or an HTTP response. Every event carries its
 * `prevHash` and `hash` and the exact fields they cover (time in
 * microseconds, metadata as RFC 8785 JSON), so the customer can re-check the
 * chain offline against a checkpoint they kept (docs/audit.md).
 *
 * @example
 * for await (const chunk of exportAuditLog(db, { tenant }, 'csv')) response.write(chunk);
 */
export async function* exportAuditLog(db: Database, query: Omit<AuditQuery, 'order' | 'limit' | 'after'>, format: AuditExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const page of allAuditEvents(db, query)) {
    yield page.map(format === 'csv' ? csvLine : jsonLine).join('');
  }
}

function jsonLine(e: AuditEvent): string {
  return `${JSON.stringify(e)}\n`;
}

function csvLine(e: AuditEvent): string {
  const cells = [
    e.tenant, String(e.seq), e.at, e.occurredAtMicros, e.actor.type, e.actor.id, e.action, e.target?.type ?? null, e.target?.id ?? null,
    e.subject, e.session, e.purpose, e.ip, e.userAgent, JSON.stringify(e.metadata), e.prevHash, e.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * RFC 4180 quoting, and a leading apostrophe on a cell a spreadsheet would run
 * as a formula (=, +, -, @, tab, carriage return): an audit export opened in
 * a spreadsheet must not execute what an attacker put in a user agent.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}
