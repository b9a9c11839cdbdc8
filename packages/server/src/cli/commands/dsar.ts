import { ConfigError } from '@custodian/core/errors';
import { info } from '../output.js';
import * as erase from './dsar/erase.js';
import * as plan from './dsar/plan.js';

/** One action of `custodian dsar`, each in its own file under dsar/. */
interface DsarAction {
  usage: string;
  run(argv: string[]): Promise<number>;
}

const ACTIONS: Record<string, DsarAction> = { plan, erase };

export const summary = 'data subject requests: find a person and plan their erasure';

export const usage = `${Object.values(ACTIONS)
  .map((a) => a.usage)
  .join('\n\n')}

common: [--policy custodian.config.ts] [--production] [--database-url <url> | --data-dir <dir>]

Not built yet: running an erasure, exports, and the request lifecycle.`;

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') return info(usage), name ? 0 : 2;
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action) throw new ConfigError(`custodian dsar: unknown action "${name.slice(0, 20)}"`, `use one of: ${Object.keys(ACTIONS).join(', ')}`);
  return action.run(rest);
}
