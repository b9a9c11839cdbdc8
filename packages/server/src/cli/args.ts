import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '@custodian/core/errors';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every database-facing command takes. */
export const DATABASE_FLAGS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
} satisfies Options;

export const POLICY_FLAGS = {
  policy: { type: 'string', short: 'p' },
} satisfies Options;

/**
 * `util.parseArgs` in strict mode, with its errors turned into one line and a
 * hint: an unknown or malformed flag never starts any work.
 */
export function parse<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/^.*?: /, '') : 'invalid arguments';
    throw new ConfigError(`custodian ${command}: ${message}`, `run \`custodian ${command} --help\``);
  }
}

/** A positive integer flag, or its default. */
export function intFlag(command: string, name: string, value: string | undefined, fallback: number, range: [number, number]): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
    throw new ConfigError(`custodian ${command}: --${name} must be a whole number from ${range[0]} to ${range[1]}`, `e.g. --${name} ${fallback}`);
  }
  return n;
}
