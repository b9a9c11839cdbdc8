import type { Database } from '@custodian/core/db';
import type { DsarRequest } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, operatorActor, requestIdAndFlags, summaryLine } from './status.js';

/** An action that changes one request, given its id and one required line of text (a method, a reason, a note). */
export interface TextChange {
  action: string;
  usage: string;
  /** The flag carrying the text, without dashes. */
  flag: string;
  /** Shown when the flag is missing, e.g. `e.g. --reason "identity could not be verified"`. */
  hint: string;
  maxLength?: number;
  /** The summary line's first word: `verified`, `rejected` … */
  verb: string;
  change(db: Database, id: string, text: string, actor: ReturnType<typeof operatorActor>): Promise<DsarRequest>;
}

/**
 * `custodian dsar <action> <request id> --<flag> <text> [--json]`: the shape
 * verify, reject, complete and lift share — the change is made as the
 * operator at this terminal, audited by the library, and printed.
 */
export function textChangeAction(spec: TextChange): { usage: string; run(rest: string[]): Promise<number> } {
  return {
    usage: spec.usage,
    async run(rest) {
      const [id, flags] = requestIdAndFlags(spec.action, rest);
      const { values } = parse(`dsar ${spec.action}`, flags, { ...DATABASE_FLAGS, ...COMMON, [spec.flag]: { type: 'string' }, json: { type: 'boolean' } });
      if (values.help || id === undefined) return info(spec.usage), values.help ? 0 : 2;
      const text = (values as Record<string, unknown>)[spec.flag];
      if (typeof text !== 'string' || !text.trim()) throw new ConfigError(`custodian dsar ${spec.action}: --${spec.flag} is required`, spec.hint);
      if (spec.maxLength !== undefined && text.length > spec.maxLength) {
        throw new ConfigError(`custodian dsar ${spec.action}: --${spec.flag} is longer than ${spec.maxLength} characters`, 'keep it to what was done; no personal data');
      }
      const db = await openFromFlags(values, { mustExist: true });
      try {
        const request = await spec.change(db, id, text, operatorActor());
        if (values.json) json(request);
        else process.stdout.write(`${summaryLine(spec.verb, request)}\n`);
        return 0;
      } finally {
        await db.close();
      }
    },
  };
}
