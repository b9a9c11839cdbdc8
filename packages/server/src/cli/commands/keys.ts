import { EnvKeyProvider, KeyStore, rowsByKey, rowsUsingKey, type KeyScope } from '@custodian/core/crypto';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../args.js';
import { loadPolicy, openFromFlags } from '../context.js';
import { green, info, json } from '../output.js';
import { modeFrom, rootKeyFor } from '../start-server.js';

export const summary = 'list, rotate and retire data keys';

export const usage = `custodian keys status [--json]
custodian keys rotate --scope root|tenant|subject [--id <tenant or subject id>]
custodian keys retire --key <key id>
  common: [--policy custodian.config.ts] [--production] [--database-url <url> | --data-dir <dir>]

status   every data key with its scope, state, encryptions counted and the stored
         values it protects (read from the envelopes' headers; nothing is decrypted)
rotate   the scope's active key becomes decrypt-only and a new key becomes active;
         values sealed under the old key stay readable
retire   a decrypt-only key that protects no stored value any more is retired;
         refused while any value still names it

The root key comes from CUSTODIAN_ROOT_KEY (required with --production), else the
development key in .custodian/dev-root-key. Re-encrypting existing values under the
new key is not built yet: a rotated key keeps its values until then.`;

const SCOPES: readonly KeyScope[] = ['root', 'tenant', 'subject'];

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') return info(usage), action ? 0 : 2;
  if (!['status', 'rotate', 'retire'].includes(action)) {
    throw new ConfigError(`custodian keys: unknown action "${action.slice(0, 20)}"`, 'use status, rotate or retire');
  }
  const { values } = parse(`keys ${action}`, rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    json: { type: 'boolean' },
    production: { type: 'boolean' },
    scope: { type: 'string' },
    id: { type: 'string' },
    key: { type: 'string' },
  });
  if (values.help) return info(usage), 0;
  const { policy } = await loadPolicy(values);
  const rootKey = rootKeyFor(modeFrom(values.production), '.custodian');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const keys = new KeyStore({ db, provider: new EnvKeyProvider(rootKey.key) });
    if (action === 'status') {
      const counts = await rowsByKey(db, policy);
      const list = (await keys.list()).map((k) => ({ ...k, encryptions: Number(k.encryptions), values: counts.get(k.id) ?? 0 }));
      if (values.json) json(list);
      else {
        if (list.length === 0) info('no data keys yet: they are created on first encryption');
        for (const k of list) {
          process.stdout.write(`${k.id}  ${k.scope}${k.scopeId ? `:${k.scopeId}` : ''}  ${k.state}  ${k.encryptions} encryptions counted  ${k.values} stored values\n`);
        }
      }
      return 0;
    }
    if (action === 'rotate') {
      const scope = values.scope as KeyScope | undefined;
      if (!scope || !SCOPES.includes(scope)) throw new ConfigError('custodian keys rotate: --scope must be root, tenant or subject', 'e.g. --scope tenant --id <tenant id>');
      if ((scope === 'root') !== (values.id === undefined)) {
        throw new ConfigError('custodian keys rotate: --id is required for tenant and subject scopes, and not allowed for root', 'e.g. --scope tenant --id <tenant id>');
      }
      const result = await keys.rotate(scope, values.id ?? null);
      if (values.json) json(result);
      else info(green(`rotated: ${result.active} is active${result.previous ? `; ${result.previous} is now decrypt-only` : ''}`));
      return 0;
    }
    if (!values.key) throw new ConfigError('custodian keys retire: --key is required', 'take the id from `custodian keys status`');
    await keys.retire(values.key, { rowsUsing: (id) => rowsUsingKey(db, policy, id) });
    if (values.json) json({ retired: values.key });
    else info(green(`retired ${values.key}`));
    return 0;
  } finally {
    await db.close();
  }
}
