import { existsSync, writeFileSync } from 'node:fs';
import { introspect, scaffoldPolicy } from '@custodian/core/check';
import { ConfigError } from '@custodian/core/errors';
import { DEFAULT_POLICY_FILE } from '@custodian/core/policy';
import { DATABASE_FLAGS, parse } from '../args.js';
import { openFromFlags } from '../context.js';
import { green, info, yellow } from '../output.js';

export const summary = 'write a starting policy for an existing database';

export const usage = `custodian init [--out custodian.config.ts] [--organization <name>] [--force] [--database-url <url> | --data-dir <dir>]

Reads the database's tables, guesses which columns hold personal data from
their names, and writes a policy with every guess marked "TODO confirm" for a
person to review. Refuses to overwrite an existing file without --force.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('init', argv, {
    ...DATABASE_FLAGS,
    out: { type: 'string', short: 'o' },
    organization: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const out = values.out ?? DEFAULT_POLICY_FILE;
  if (existsSync(out) && !values.force) {
    throw new ConfigError(`${out} exists already`, 'pass --force to overwrite it, or --out <file> to write elsewhere');
  }
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    const { source, flagged } = scaffoldPolicy(schema, values.organization === undefined ? {} : { organization: values.organization });
    writeFileSync(out, source);
    info(green(`wrote ${out}`));
    info(`${flagged.length} column(s) look personal by name; each is marked "TODO confirm" in the file:`);
    for (const f of flagged) info(`  ${yellow('?')} ${f.table}.${f.column} → ${f.category} (${f.reason})`);
    info('next: review the file, then run `custodian check`');
    return 0;
  } finally {
    await db.close();
  }
}
