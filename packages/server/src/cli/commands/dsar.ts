import { ConfigError } from '@custodian/core/errors';
import { info } from '../output.js';
import * as complete from './dsar/complete.js';
import * as create from './dsar/create.js';
import * as erase from './dsar/erase.js';
import * as exportAction from './dsar/export.js';
import * as extend from './dsar/extend.js';
import * as lift from './dsar/lift.js';
import * as list from './dsar/list.js';
import * as plan from './dsar/plan.js';
import * as reject from './dsar/reject.js';
import * as runAction from './dsar/run.js';
import * as status from './dsar/status.js';
import * as verify from './dsar/verify.js';

/** One action of `custodian dsar`, each in its own file under dsar/. */
interface DsarAction {
  usage: string;
  run(argv: string[]): Promise<number>;
}

// `export` and `run` are reserved or taken names in this module, hence the aliases.
const ACTIONS: Record<string, DsarAction> = { plan, erase, export: exportAction, create, verify, run: runAction, status, list, extend, complete, lift, reject };

export const summary = 'data subject requests: plan, erase and export a person; file, track and run requests';

export const usage = `${Object.values(ACTIONS)
  .map((a) => a.usage)
  .join('\n\n')}

common: [--policy custodian.config.ts] [--production] [--database-url <url> | --data-dir <dir>]`;

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') return info(usage), name ? 0 : 2;
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action) throw new ConfigError(`custodian dsar: unknown action "${name.slice(0, 20)}"`, `use one of: ${Object.keys(ACTIONS).join(', ')}`);
  return action.run(rest);
}
