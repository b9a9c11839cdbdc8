import { ConfigError } from '@custodian/core/errors';
import { info } from '../output.js';
import * as hold from './retention/hold.js';
import * as holds from './retention/holds.js';
import * as lift from './retention/lift.js';
import * as plan from './retention/plan.js';
import * as runAction from './retention/run.js';

/** One action of `custodian retention`, each in its own file under retention/. */
interface RetentionAction {
  usage: string;
  run(argv: string[]): Promise<number>;
}

// `run` is this module's own export, hence the alias.
const ACTIONS: Record<string, RetentionAction> = { plan, run: runAction, hold, holds, lift };

export const summary = 'preview and run the retention schedule the policy sets; place and lift legal holds';

export const usage = `${Object.values(ACTIONS)
  .map((a) => a.usage)
  .join('\n\n')}

common: [--policy custodian.config.ts] [--production] [--database-url <url> | --data-dir <dir>]
The server runs the same sweep every CUSTODIAN_RETENTION_INTERVAL (default 1h; off to disable).`;

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') return info(usage), name ? 0 : 2;
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action) throw new ConfigError(`custodian retention: unknown action "${name.slice(0, 20)}"`, `use one of: ${Object.keys(ACTIONS).join(', ')}`);
  return action.run(rest);
}
