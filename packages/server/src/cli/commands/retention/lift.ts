import { ConfigError } from '@custodian/core/errors';
import { liftHold } from '@custodian/core/retention';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { operatorActor } from '../dsar/status.js';
import { COMMON, textFlag } from './flags.js';
import { holdLine } from './hold.js';

export const usage = `custodian retention lift <hold id> --reason <text> [--json]

lift   lifts a legal hold, with the reason kept beside it and in its audit event; the
       next retention run takes what the hold kept and is due. Holds are never deleted.`;

export async function run(rest: string[]): Promise<number> {
  const [first, ...others] = rest;
  const id = first !== undefined && !first.startsWith('-') ? first : undefined;
  const { values } = parse('retention lift', id === undefined ? rest : others, { ...DATABASE_FLAGS, ...COMMON, reason: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return info(usage), 0;
  if (id === undefined) throw new ConfigError('custodian retention lift: the hold id is required', 'custodian retention lift <hold id> --reason <text>; list them with `custodian retention holds`');
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new ConfigError('custodian retention lift: the hold id must be a positive whole number', 'list holds and their ids with `custodian retention holds`');
  const reason = textFlag('retention lift', 'reason', values.reason, 'say why, e.g. --reason "matter 2026-114 settled"');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const hold = await liftHold(db, Number(id), { reason, actor: operatorActor() });
    if (values.json) json(hold);
    else process.stdout.write(`${holdLine('lifted', hold)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
