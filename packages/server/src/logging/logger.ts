import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from '@custodian/core/errors';
import { createRedactor, type Redactor } from '@custodian/core/redact';
import { errorFields } from './error-fields.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; `info` by default. */
  level?: string;
  /** Where lines go: standard output by default; tests pass a stream to read them back. */
  destination?: DestinationStream;
  /**
   * Scrubs every serialised line just before it is written (A5, B4): secrets
   * and personal data anywhere in it — messages, error stacks, objects logged
   * carelessly — become `[REDACTED:<kind>:<tag>]`. By default a redactor
   * with the built-in detectors; the server passes one configured from the
   * policy (`redactorForPolicy`).
   */
  redactor?: Redactor;
}

/**
 * The server's logger: JSON lines, ISO timestamps, no process or host
 * bindings (the log shipper adds where a line came from). Serializers
 * allowlist what a request, a response or an error may contribute, so an
 * object logged carelessly still cannot spill headers, bodies or messages.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  // pino throws a bare Error on an unknown level; say what is allowed instead, at start-up.
  if (level !== 'silent' && !(level in pino.levels.values)) {
    throw new ConfigError('the log level is not one of fatal, error, warn, info, debug, trace, silent', 'set LOG_LEVEL to one of those, e.g. info');
  }
  const redactor = options.redactor ?? createRedactor();
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: {
        err: errorFields,
        req: (req: { method?: string; url?: string }) => ({ method: req.method, path: redactQuery(req.url ?? '') }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      },
      hooks: { streamWrite: (line: string) => redactor.string(line, pinoHeadLength(line)) },
    },
    options.destination,
  );
}

/**
 * The head pino writes first with the options above: `{"level":"info","time":"…"`,
 * one of its level labels and an ISO timestamp (years 0 to 9999). Sticky:
 * `lastIndex` is then the head's length. One regular expression is cheaper
 * here than a loop over the characters.
 */
const PINO_HEAD = new RegExp(`\\{"level":"(?:${Object.values(pino.levels.labels).join('|')})","time":"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z"`, 'y');

/**
 * The length of the head pino wrote, or 0 when the line does not start with
 * exactly that shape (then all of it is scanned). The head holds a level
 * label and digits, which cannot hold a secret; skipping it spares a fifth
 * of a typical line's scan. What follows starts with `,` or `}`, so no
 * detector's match or look-behind reaches back into the head.
 */
export function pinoHeadLength(line: string): number {
  PINO_HEAD.lastIndex = 0;
  return PINO_HEAD.test(line) ? PINO_HEAD.lastIndex : 0;
}

const MAX_PATH = 512;

/**
 * A request path fit for a log: the query string, which carries values
 * (search terms, emails, tokens), is replaced by a marker; an overlong path
 * is cut so one request cannot flood a line.
 */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : `${url.slice(0, q)}?[REDACTED]`;
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
}
