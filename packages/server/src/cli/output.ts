import { isCustodianError, PolicyInvalidError } from '@custodian/core/errors';

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const red = (t: string) => paint(31, t);
export const green = (t: string) => paint(32, t);
export const yellow = (t: string) => paint(33, t);
export const dim = (t: string) => paint(2, t);

/** Status and progress go to stderr, so stdout stays clean for `--json` and pipes. */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints an error as one line with a hint, never a stack trace. A policy with
 * problems prints each one at its path. Returns the exit code.
 */
export function reportError(error: unknown): number {
  if (error instanceof PolicyInvalidError) {
    info(`${red('error')} ${error.message} [${error.code}]`);
    for (const p of error.problems) info(`  ${red('✗')} ${p.path}: ${p.message}${p.hint ? dim(` — ${p.hint}`) : ''}`);
    return 1;
  }
  if (isCustodianError(error)) {
    info(`${red('error')} ${error.message} [${error.code}]${error.hint ? `\n  ${dim(`hint: ${error.hint}`)}` : ''}`);
    return error.code === 'ERR_CONFIG_INVALID' ? 2 : 1;
  }
  info(`${red('error')} unexpected failure [ERR_INTERNAL]\n  ${dim('hint: run with CUSTODIAN_DEBUG=1 to print the stack')}`);
  if (process.env.CUSTODIAN_DEBUG) console.error(error);
  return 1;
}

/**
 * A one-line progress bar on a terminal; on a pipe, a line every 10%, so logs
 * of long runs stay short.
 */
export function progress(label: string): { update(done: number, total: number): void; done(note?: string): void } {
  const started = Date.now();
  let lastTenth = -1;
  return {
    update(done, total) {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      if (process.stderr.isTTY) {
        const width = 28;
        const filled = Math.round(fraction * width);
        process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% (${done}/${total})`);
      } else {
        const tenth = Math.floor(fraction * 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          info(`${label}: ${Math.round(fraction * 100)}% (${done}/${total})`);
        }
      }
    },
    done(note) {
      if (process.stderr.isTTY) process.stderr.write('\n');
      info(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s${note ? ` — ${note}` : ''}`);
    },
  };
}
