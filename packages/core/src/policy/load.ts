import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PolicyInvalidError, PolicyLoadError, isCustodianError } from '../errors.js';
import { validatePolicy, type Policy } from './define.js';

export const DEFAULT_POLICY_FILE = 'custodian.config.ts';

export interface LoadedPolicy {
  policy: Policy;
  /** Absolute path of the file it came from. */
  file: string;
}

/**
 * Imports a policy file (TypeScript through the running loader, or
 * JavaScript) and validates its default export. A file whose `definePolicy`
 * call throws reports the same problems, tagged with the file name.
 */
export interface LoadPolicyOptions {
  /**
   * How to import the file. The default is the runtime's `import()`; a CLI
   * passes a TypeScript-aware importer (tsx's `tsImport`) so a
   * custodian.config.ts loads as ESM whatever its folder's package.json says.
   */
  importer?: (url: string) => Promise<unknown>;
}

export async function loadPolicyFile(path: string = DEFAULT_POLICY_FILE, options: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new PolicyLoadError(`policy file not found: ${path}`, { hint: 'pass --policy <file>, or run `custodian init` to write one' });
  }
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(file).href;
    mod = (await (options.importer ? options.importer(url) : import(url))) as Record<string, unknown>;
  } catch (error) {
    // Matched by shape, not class: the file may have imported its own copy of this package.
    const problems = (error as { code?: unknown; problems?: unknown }).code === 'ERR_POLICY_INVALID' ? (error as PolicyInvalidError).problems : undefined;
    if (Array.isArray(problems)) throw new PolicyInvalidError(problems, path);
    if (isCustodianError(error)) throw error;
    const reason = syntaxErrorAt(error) ?? 'importing it threw an error';
    throw new PolicyLoadError(`could not load ${path}: ${reason}`, { cause: error, hint: 'run it with `node --import tsx` to see the full error' });
  }
  // A file compiled to CommonJS (its folder's package.json is not "type": "module")
  // arrives as a namespace whose default is the whole module.exports object.
  const inner = mod.default as Record<string, unknown> | undefined;
  const exports = inner && typeof inner === 'object' && inner.__esModule === true ? inner : mod;
  const candidate = exports.default ?? exports.policy;
  if (candidate === undefined) {
    throw new PolicyLoadError(`${path} exports no policy`, { hint: 'write `export default definePolicy({ … })`' });
  }
  const result = validatePolicy(candidate);
  if (!result.ok) throw new PolicyInvalidError(result.problems, path);
  return { policy: result.policy, file };
}

/** "it has a syntax error at line 3" for a parse error from node or from the TypeScript loader (esbuild). */
function syntaxErrorAt(error: unknown): string | undefined {
  const e = error as { errors?: { location?: { line?: number } }[]; message?: string } | undefined;
  // esbuild (through tsx) puts the position in the message: `file.ts:3:14: ERROR: …`.
  const line = e?.errors?.[0]?.location?.line ?? /:(\d+):\d+: ERROR/.exec(e?.message ?? '')?.[1];
  if (line !== undefined) return `it has a syntax error at line ${line}`;
  if (error instanceof SyntaxError || /Transform failed/.test(e?.message ?? '')) return 'it has a syntax error';
  return undefined;
}
