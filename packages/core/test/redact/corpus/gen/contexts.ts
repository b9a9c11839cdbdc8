// Surroundings for a fragment: the log line, file or dump it sits in. The noise they add
// (timestamps, epoch milliseconds, pids, pod names, request and trace ids) is deliberate:
// none of it is a secret, so a detector that fires on it loses precision.
import { B62, HEX, LOWER, DIGITS, Rng } from './rng.js';
import { uuid } from './values.js';
import type { Secret } from './types.js';

export interface Frag {
  text: string;
  secrets: Secret[];
  multiline?: boolean;
  note?: string;
}

export type Maker = (rng: Rng) => Frag;

export function isoTime(rng: Rng): string {
  const d = new Date(Date.UTC(2026, rng.int(0, 10), rng.int(1, 28), rng.int(0, 23), rng.int(0, 59), rng.int(0, 59), rng.int(0, 999)));
  return d.toISOString();
}

export function epochMs(rng: Rng): number {
  return 1767225600000 + rng.int(0, 28_000_000) * 1000 + rng.int(0, 999);
}

export function podName(rng: Rng): string {
  return `${rng.pick(['api', 'worker', 'billing', 'gateway', 'auth', 'ingest'])}-${rng.chars(HEX, 9)}-${rng.chars(LOWER + DIGITS, 5)}`;
}

const LEVELS = ['debug', 'info', 'warn', 'error'];
const PINO_LEVELS: Record<string, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const SERVICES = ['api', 'billing', 'auth', 'worker', 'webhooks', 'sync', 'mailer'];

/** A one-line log record carrying msg, in one of several common styles. */
export function logLine(rng: Rng, msg: string): string {
  const level = rng.pick(LEVELS);
  const hasQuote = msg.includes('"');
  const style = hasQuote && rng.bool(0.8) ? rng.int(3, 6) : rng.int(0, 6);
  switch (style) {
    case 0:
      return JSON.stringify({ level: PINO_LEVELS[level], time: epochMs(rng), pid: rng.int(7, 65000), hostname: podName(rng), reqId: `req-${rng.chars(B62, 6)}`, msg });
    case 1:
      return JSON.stringify({ ts: isoTime(rng), level, service: rng.pick(SERVICES), trace_id: rng.chars(HEX, 32), message: msg });
    case 2:
      return `time=${isoTime(rng)} level=${level} service=${rng.pick(SERVICES)} request_id=${uuid(rng)} msg=${JSON.stringify(msg)}`;
    case 3:
      return `${isoTime(rng)} ${level.toUpperCase().padEnd(5)} [${rng.pick(SERVICES)}] ${msg}`;
    case 4:
      return `[${isoTime(rng).replace('T', ' ').slice(0, 23)}] ${level.toUpperCase()} ${rng.int(100, 9999)} --- [nio-8080-exec-${rng.int(1, 9)}] c.e.${rng.pick(SERVICES)}.Handler : ${msg}`;
    case 5:
      return `${rng.pick(['Nov', 'Oct', 'Sep'])} ${rng.int(10, 28)} ${rng.pad(rng.int(0, 23), 2)}:${rng.pad(rng.int(0, 59), 2)}:${rng.pad(rng.int(0, 59), 2)} ${podName(rng)} ${rng.pick(SERVICES)}[${rng.int(100, 30000)}]: ${msg}`;
    default:
      return `${podName(rng)} ${rng.pick(SERVICES)} ${isoTime(rng)} ${msg}`;
  }
}

/** Put a fragment in a realistic surrounding. */
export function wrap(rng: Rng, frag: Frag): string {
  // A value holding a backslash (a JSON-escaped PEM block) would change if JSON-encoded again.
  if (frag.multiline || frag.secrets.some((s) => s.value.includes('\\'))) {
    return rng.bool(0.6) ? frag.text : `${isoTime(rng)} ${rng.pick(['ERROR', 'DEBUG', 'WARN'])} ${rng.pick(['dumping request', 'config loaded', 'unexpected input', 'payload'])}:\n${frag.text}`;
  }
  return rng.bool(0.25) ? frag.text : logLine(rng, frag.text);
}

/** name = value in one of the syntaxes config and code use. */
export function assign(rng: Rng, name: string, value: string, styles = ['env', 'envq', 'export', 'json', 'yaml', 'yamlq', 'py', 'js', 'go', 'toml', 'logfmt', 'cli', 'kv']): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const camel = name.replace(/[_-]+([a-z])/gi, (_, c: string) => c.toUpperCase());
  switch (rng.pick(styles)) {
    case 'env':
      return `${upper}=${value}`;
    case 'envq':
      return `${upper}="${value}"`;
    case 'export':
      return `export ${upper}='${value}'`;
    case 'json':
      return `{"${name}":"${value}"${rng.bool() ? `,"region":"${rng.pick(['us-east-1', 'eu-west-1', 'ap-northeast-1'])}"` : ''}}`;
    case 'yaml':
      return `${name}: ${value}`;
    case 'yamlq':
      return `  ${name}: "${value}"`;
    case 'py':
      return `${name} = "${value}"`;
    case 'js':
      return `const ${camel} = '${value}';`;
    case 'go':
      return `\t${camel[0]!.toUpperCase()}${camel.slice(1)}: "${value}",`;
    case 'toml':
      return `${name} = '${value}'`;
    case 'logfmt':
      return `level=debug msg="client config" ${name}=${value}`;
    case 'cli':
      return `--${name.toLowerCase().replace(/_/g, '-')}=${value}`;
    default:
      return `${name}: ${value}`;
  }
}
