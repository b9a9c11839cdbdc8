import {
  databaseDecryptAudit,
  EnvKeyProvider,
  KeyStore,
  reencrypt,
  rowsByKey,
  rowsUsingKey,
  type KeyScope,
  type ReencryptResult,
} from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { ConfigError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { DATABASE_FLAGS, POLICY_FLAGS, intFlag, parse } from '../args.js';
import { loadPolicy, openFromFlags } from '../context.js';
import { green, info, json, progress, yellow } from '../output.js';
import { modeFrom, rootKeyFor } from '../start-server.js';

export const summary = 'list, rotate, re-encrypt, re-wrap and retire data keys';

export const usage = `custodian keys status [--json]
custodian keys rotate --scope root|tenant|subject [--id <tenant or subject id>] [--reencrypt]
custodian keys reencrypt [--key <key id>] [--chunk-size 1000]
custodian keys rewrap
custodian keys retire --key <key id>
  common: [--policy custodian.config.ts] [--production] [--json] [--database-url <url> | --data-dir <dir>]

status     every data key with its scope, state, encryptions counted and the stored
           values it protects (read from the envelopes' headers; nothing is decrypted)
rotate     the scope's active key becomes decrypt-only and a new key becomes active;
           with --reencrypt, its values then move to the new key (as reencrypt below)
reencrypt  values sealed under a decrypt-only key (--key, else every decrypt-only key)
           are re-encrypted under their scope's active key, in chunks, with progress.
           Safe to interrupt (Ctrl-C stops after the chunk in flight; a kill loses
           nothing) and to run again: it picks up what is left. Decrypts of audited
           columns are recorded (purpose key-rotation).
rewrap     after a root key rotation: every data key is wrapped again by the current
           root key (CUSTODIAN_ROOT_KEY), unwrapping with CUSTODIAN_ROOT_KEY_PREVIOUS.
           When it reports 0 remaining, the previous root key can be removed.
retire     a decrypt-only key that protects no stored value any more is retired;
           refused while any value still names it

The root key comes from CUSTODIAN_ROOT_KEY (required with --production), else the
development key in .custodian/dev-root-key. Run as the database owner.`;

const SCOPES: readonly KeyScope[] = ['root', 'tenant', 'subject'];
const ACTIONS = ['status', 'rotate', 'reencrypt', 'rewrap', 'retire'];

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') return info(usage), action ? 0 : 2;
  if (!ACTIONS.includes(action)) {
    throw new ConfigError(`custodian keys: unknown action "${action.slice(0, 20)}"`, `use ${ACTIONS.join(', ')}`);
  }
  const { values } = parse(`keys ${action}`, rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    json: { type: 'boolean' },
    production: { type: 'boolean' },
    scope: { type: 'string' },
    id: { type: 'string' },
    key: { type: 'string' },
    reencrypt: { type: 'boolean' },
    'chunk-size': { type: 'string' },
  });
  if (values.help) return info(usage), 0;
  const chunkSize = intFlag(`keys ${action}`, 'chunk-size', values['chunk-size'], 1000, [1, 100_000]);
  const { policy } = await loadPolicy(values);
  const mode = modeFrom(values.production);
  rootKeyFor(mode, '.custodian'); // says when the development key is used
  const provider = EnvKeyProvider.fromEnvironment({ mode, developmentKeyFile: '.custodian/dev-root-key' });
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const keys = new KeyStore({ db, provider });
    switch (action) {
      case 'status':
        return await status(db, policy, keys, values.json);
      case 'rotate': {
        const scope = values.scope as KeyScope | undefined;
        if (!scope || !SCOPES.includes(scope)) throw new ConfigError('custodian keys rotate: --scope must be root, tenant or subject', 'e.g. --scope tenant --id <tenant id>');
        if ((scope === 'root') !== (values.id === undefined)) {
          throw new ConfigError('custodian keys rotate: --id is required for tenant and subject scopes, and not allowed for root', 'e.g. --scope tenant --id <tenant id>');
        }
        const rotated = await keys.rotate(scope, values.id ?? null);
        if (!values.json) info(green(`rotated: ${rotated.active} is active${rotated.previous ? `; ${rotated.previous} is now decrypt-only` : ''}`));
        const moved = values.reencrypt && rotated.previous ? await reencryptKeys(db, policy, keys, [rotated.previous], chunkSize, values.json) : undefined;
        if (values.json) json(moved ? { ...rotated, reencrypt: moved.results } : rotated);
        return moved?.code ?? 0;
      }
      case 'reencrypt': {
        const ids = values.key ? [values.key] : (await keys.list()).filter((k) => k.state === 'decrypt-only').map((k) => k.id);
        if (ids.length === 0 && !values.json) info('no decrypt-only keys: nothing to re-encrypt');
        const moved = await reencryptKeys(db, policy, keys, ids, chunkSize, values.json);
        if (values.json) json(moved.results);
        return moved.code;
      }
      case 'rewrap': {
        const stop = interruptible();
        const bar = values.json ? undefined : progress('re-wrapping data keys');
        try {
          const result = await keys.rewrap({ signal: stop.signal, onProgress: (done, total) => bar?.update(done, total) });
          bar?.done(`${result.rewrapped} re-wrapped, ${result.remaining} left under an older root key`);
          if (values.json) json(result);
          else if (result.aborted) info(yellow('interrupted: run `custodian keys rewrap` again to finish'));
          else if (result.remaining === 0) info(green('every data key is wrapped by the current root key: the previous root key can be removed'));
          return result.aborted ? 130 : result.remaining === 0 ? 0 : 1;
        } finally {
          stop.release();
        }
      }
      default: {
        if (!values.key) throw new ConfigError('custodian keys retire: --key is required', 'take the id from `custodian keys status`');
        await keys.retire(values.key, { rowsUsing: (id) => rowsUsingKey(db, policy, id) });
        if (values.json) json({ retired: values.key });
        else info(green(`retired ${values.key}`));
        return 0;
      }
    }
  } finally {
    await db.close();
  }
}

async function status(db: Database, policy: Policy, keys: KeyStore, asJson: boolean | undefined): Promise<number> {
  const counts = await rowsByKey(db, policy);
  const list = (await keys.list()).map((k) => ({ ...k, encryptions: Number(k.encryptions), values: counts.get(k.id) ?? 0 }));
  if (asJson) json(list);
  else {
    if (list.length === 0) info('no data keys yet: they are created on first encryption');
    for (const k of list) {
      process.stdout.write(`${k.id}  ${k.scope}${k.scopeId ? `:${k.scopeId}` : ''}  ${k.state}  ${k.encryptions} encryptions counted  ${k.values} stored values\n`);
    }
  }
  return 0;
}

/**
 * Re-encrypts each key's values with a progress bar. Exit code: 0 when every
 * value moved, 1 when some are left (unreadable values, or writers still on
 * the old key), 130 when interrupted.
 */
async function reencryptKeys(db: Database, policy: Policy, keys: KeyStore, ids: string[], chunkSize: number, quiet: boolean | undefined): Promise<{ code: number; results: ReencryptResult[] }> {
  const stop = interruptible();
  const results: ReencryptResult[] = [];
  try {
    for (const keyId of ids) {
      const bar = quiet ? undefined : progress(`re-encrypting values under ${keyId}`);
      const result = await reencrypt({
        db,
        policy,
        keys,
        keyId,
        chunkSize,
        audit: databaseDecryptAudit(db),
        signal: stop.signal,
        onProgress: (p) => bar?.update(p.done, p.total),
      });
      results.push(result);
      bar?.done(`${result.reencrypted} re-encrypted, ${result.remaining} left${result.unreadable ? `, ${result.unreadable} unreadable in their rows (left untouched)` : ''}`);
      if (result.aborted) {
        if (!quiet) info(yellow('interrupted: run `custodian keys reencrypt` again to continue where it stopped'));
        return { code: 130, results };
      }
      if (!quiet && result.remaining === 0) info(green(`no value names ${keyId} any more: retire it with \`custodian keys retire --key ${keyId}\``));
    }
    return { code: results.some((r) => r.remaining > 0) ? 1 : 0, results };
  } finally {
    stop.release();
  }
}

/** The first Ctrl-C (or SIGTERM) asks the run to stop after the chunk in flight; a second one exits at once. */
function interruptible(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    info(yellow('stopping after the chunk in flight (again to quit now)…'));
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
