import { createRequire } from 'node:module';
import { info, reportError } from './output.js';
import * as access from './commands/access.js';
import * as audit from './commands/audit.js';
import * as blocklist from './commands/blocklist.js';
import * as check from './commands/check.js';
import * as demo from './commands/demo.js';
import * as dsar from './commands/dsar.js';
import * as init from './commands/init.js';
import * as keys from './commands/keys.js';
import * as migrate from './commands/migrate.js';
import * as retention from './commands/retention.js';
import * as serve from './commands/serve.js';

interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = { init, migrate, check, serve, demo, keys, audit, dsar, retention, access, blocklist };

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `custodian — privacy and security promises, enforced in your PostgreSQL

usage: custodian <command> [flags]

${lines.join('\n')}

Run \`custodian <command> --help\` for a command's flags.
The database is DATABASE_URL (PostgreSQL) when set, else the embedded one in .custodian/data.`;
}

/** Returns the exit code, or -1 for a command that keeps running (a server). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return info(help()), name ? 0 : 2;
  if (name === '--version' || name === '-v') {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    info(`error unknown command "${name.slice(0, 40)}" [ERR_CONFIG_INVALID]\n  hint: one of ${Object.keys(COMMANDS).join(', ')}; see \`custodian --help\``);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    return reportError(error);
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
