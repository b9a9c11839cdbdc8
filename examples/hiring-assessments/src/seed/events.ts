import type { SeededRandom } from '@custodian/core/testing';
import { CODE_LINES, PROMPTS, TERMINAL_LINES } from './vocabulary.js';

type Row = Record<string, unknown>;

export interface SessionSpan {
  companyId: string;
  sessionId: string;
  startedAt: Date;
  /** When the last event may happen: completion, or when the candidate left. */
  endedAt: Date;
}

/** One event's kind and payload: what a candidate typed or ran, and what came back. */
function event(rng: SeededRandom): { kind: string; payload: Record<string, unknown> } {
  const roll = rng.next();
  if (roll < 0.3) return { kind: 'prompt', payload: { text: rng.pick(PROMPTS) } };
  if (roll < 0.65) return { kind: 'code_edit', payload: { file: 'src/solution.ts', line: rng.int(1, 200), insert: rng.pick(CODE_LINES) } };
  if (roll < 0.85) {
    const failed = rng.int(0, 3);
    return { kind: 'test_run', payload: { passed: rng.int(1, 12), failed, durationMs: rng.int(200, 9000) } };
  }
  return { kind: 'terminal_output', payload: { text: rng.pick(TERMINAL_LINES) } };
}

/**
 * Appends events `from` (inclusive) to `to` (exclusive) of a session that has
 * `total` events, spaced evenly over the session with jitter so they stay in
 * order. Taking a range lets a very large session be made and inserted in
 * slices without holding it all in memory.
 */
export function appendSessionEvents(rng: SeededRandom, span: SessionSpan, total: number, from: number, to: number, out: Row[]): void {
  const start = span.startedAt.getTime();
  const step = Math.max(1, span.endedAt.getTime() - start) / total;
  for (let i = from; i < to; i++) {
    const { kind, payload } = event(rng);
    out.push({
      company_id: span.companyId,
      session_id: span.sessionId,
      kind,
      payload,
      created_at: new Date(start + Math.floor((i + rng.next()) * step)),
    });
  }
}
