import { isPlaceholder, looksGenerated } from '../validators.js';
import { HIGH, MEDIUM, type Detector, type Validated } from './types.js';

/** Names whose value is a password: password, passwd, pwd, passphrase, DB_PASS, … */
const PASSWORD_NAME = /^(?:.{0,40}[_.-])?(?:pass(?:word|wd|phrase)?|pwd)(?:[_.-].{0,40})?$|password|passwd|passphrase/i;
/** Names whose value is a credential of another sort. */
const SECRET_NAME = /secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth|signature|^sig$|^key$|^code$|session|jwt|x-amz-(?:credential|signature|security-token)/i;

/**
 * Names that merely mention a secret: when it changed, how long it must be,
 * its id, a file about it (password_changed_at, password_min_length,
 * private_key_id, nextPageToken, password-policy.ts).
 */
const NOT_A_SECRET_NAME =
  /(?:[_.-]?(?:at|on|date|time|ts|count|len|length|min|max|policy|rules?|expires?|expiry|changed|reset|hint|type|id|ids|name|url|uri|path|file|version|enabled|required|less|strength|field|label))$|page_?token|next_?token|continuation_?token|sync_?token|cursor|\.(?:[cm]?[jt]sx?|py|rb|go|java|kt|php|rs|json|ya?ml|toml|ini|md)$/i;

/** Values that point at a secret instead of holding it: a variable, a lookup, a vault tag, a date. */
const REFERENCE_VALUE =
  /^(?:!|os\.environ|os\.getenv|process\.env|getenv|System\.getenv|ENV\[|env\(|config[.[]|settings\.|secrets\.|self\.|this\.|vault:|\d{4}-\d{2}-\d{2}|\d{1,4}(?::\d{1,4})?$|(?:true|false|null|none|nil)$)/i;

/** A value assigned to a password name is a password unless it is a placeholder, a reference or empty. */
function passwordValue(value: string): false | Validated {
  if (value.length < 3 || isPlaceholder(value) || REFERENCE_VALUE.test(value)) return false;
  return HIGH;
}

/** A value assigned to another secret-ish name is a secret when it looks generated. */
function secretValue(value: string): false | Validated {
  if (isPlaceholder(value) || REFERENCE_VALUE.test(value)) return false;
  return looksGenerated(value, 3) ? MEDIUM : false;
}

// name, optional closing quote, an assignment (=, :, :=, =>), optional spaces and opening quote.
const ASSIGN = `(?:\\\\?["'])?\\s{0,5}(?::=|=>|[:=])\\s{0,5}`;
const VALUE_UNQUOTED = `[^\\s"'\`,;&}{)(\\]\\[\\\\<>]{1,512}`;

/**
 * `name = value` in code, config, JSON, YAML, env files and CLI flags: the
 * value (group dq, sq or bare) double-quoted (also JSON-escaped \"…\"),
 * single-quoted, or bare up to a delimiter. `name` is a pattern source.
 */
export function assignment(name: string, options: { anchored?: boolean } = { anchored: true }): RegExp {
  // Anchored: the name starts at a word boundary. Otherwise the pattern starts at a keyword inside
  // the name (PASSWORD in DB_PASSWORD), so the scan only stops where a keyword is, and the
  // validator reads the rest of the name backwards (nameBefore).
  return new RegExp(`${options.anchored === false ? '' : '(?<![A-Za-z0-9])'}(?<name>${name})${ASSIGN}${ASSIGNED_VALUE}`, 'gi');
}

/**
 * How every assignment pattern ends: its value, in exactly one of the groups
 * dq, sq or bare, and after it only the closing quote — `"` or `\"` for dq
 * (which holds neither), `'` for sq, nothing for bare. So the value's offsets
 * follow from the match's end and the group's length, without match indices
 * (the `d` flag, which costs more than the match itself). find.ts relies on it.
 */
export const ASSIGNED_VALUE = `(?:\\\\?"(?<dq>[^"\\\\\\n]{1,512})\\\\?"|'(?<sq>[^'\\\\\\n]{1,512})'|(?<bare>${VALUE_UNQUOTED}))`;

export const GENERIC_DETECTORS: readonly Detector[] = [
  {
    kind: 'private-key',
    keywords: ['PRIVATE KEY'],
    lead: 50, // -----BEGIN and up to 40 letters and spaces
    // The whole PEM block, also when JSON escaping turned its newlines into a literal "\n";
    // a block cut off before its END line is taken to the end of its base64.
    // The body may not hold "-----" (only its END line does), so a BEGIN without an END costs
    // a scan to the next dashes, not 20,000 characters: linear however many BEGINs a line holds.
    pattern: /-----BEGIN[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?:[^-]|-(?!----)){16,20000}?-----END[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:\r?\n|\\r?\\n)(?:[A-Za-z0-9+/=]|\r?\n|\\r?\\n){16,20000})/g,
    priority: 100,
  },
  {
    kind: 'authorization-header',
    words: ['bearer', 'authorization'],
    lead: 6, // proxy-
    // The credential after the scheme, with or without the header name (curl -H, HTTP dumps, JSON).
    pattern: /(?:\b(?:proxy-)?authorization(?:\\?["'])?\s{0,5}[:=]\s{0,5}(?:\\?["'])?(?:Bearer|Basic|Token|Digest|Bot|ApiKey)\s{1,5}|\bBearer\s{1,5})(?<secret>[A-Za-z0-9._~+/=:-]{8,4096})/gi,
    // "Bearer followed by a space…" is prose: a credential has a digit, a symbol or some length.
    validate: (secret) => (isPlaceholder(secret) || (/^[a-z]+$/.test(secret) && secret.length < 20) ? false : HIGH),
    priority: 70,
  },
  {
    kind: 'jwt',
    keywords: ['eyJ'],
    lead: 0,
    needs: '.eyJ', // its payload; a base64 cursor of JSON also starts eyJ
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,8192}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,8192}(?![A-Za-z0-9_-])/g,
    priority: 75,
  },
  {
    kind: 'url-credentials',
    keywords: ['://'],
    lead: 0,
    needs: '@', // most URLs in a log have no user:password@
    // The user:password of a URL (postgres://app:pw@db/…). Matched from the "://", its scheme
    // looked for behind it, so the scan only stops at "://" (not at every word of the line).
    pattern: /:\/\/(?<=\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/)(?<secret>[^\s:/?#@"'<>\\]{0,256}:[^\s/?#@"'<>\\]{1,256})@/g,
    validate: (secret) => (isPlaceholder(secret.slice(secret.indexOf(':') + 1)) ? false : HIGH),
    priority: 80,
  },
  {
    kind: 'url-credentials',
    keywords: ['?', '&', ';'],
    lead: 0,
    // A credential in a query string (?token=…, &api_key=…, X-Amz-Signature=…); a password
    // parameter is reported as a password assignment.
    pattern: /[?&;](?<name>[A-Za-z0-9_.-]{0,30}(?:token|key|secret|pass|pwd|auth|sig|code|session|jwt|credential)[A-Za-z0-9_.-]{0,30})=(?<secret>[^&\s#"'<>\\]{1,2048})/gi,
    validate: (secret, match) => {
      const name = match.groups!.name!;
      if (PASSWORD_NAME.test(name)) return passwordValue(secret) && { confidence: 'high', kind: 'password-assignment' };
      if (!SECRET_NAME.test(name)) return false;
      if (isPlaceholder(secret) || secret.length < 6) return false;
      return HIGH;
    },
    priority: 60,
  },
  {
    kind: 'password-assignment',
    words: ['pass', 'pwd'],
    lead: 0,
    // password = "…" / PASSWORD=… / "password": "…" / password: … / --password=… / $pass => '…'
    pattern: assignment('(?:pass(?:word|wd|phrase)?|pwd)[A-Za-z0-9_.-]{0,40}', { anchored: false }),
    validate: (_secret, match, text) => {
      const name = nameBefore(text, match);
      if (!PASSWORD_NAME.test(name) || NOT_A_SECRET_NAME.test(name)) return false;
      return passwordValue(valueOf(match));
    },
    priority: 50,
  },
  {
    kind: 'password-assignment',
    words: ['password', 'identified'],
    lead: 0,
    // SQL: ALTER/CREATE USER … WITH PASSWORD '…', MySQL's IDENTIFIED BY '…'.
    pattern: /\b(?:PASSWORD|IDENTIFIED\s{1,5}BY)\s{1,5}'(?<secret>[^'\n]{1,256})'/gi,
    validate: (secret) => passwordValue(secret),
    priority: 50,
  },
  {
    kind: 'password-assignment',
    keywords: ['-u ', '--user'],
    // curl -u user:password, --user user:password
    pattern: /(?<!\S)(?:-u|--user)[ =]{1,5}["']?[^\s:"']{1,128}:(?<secret>[^\s"']{1,256})/g,
    validate: (secret) => passwordValue(secret),
    priority: 50,
  },
  {
    kind: 'generic-secret',
    // Each name the pattern accepts starts with one of these (not 'key' alone: cacheKey, objectKey).
    words: ['secret', 'token', 'credential', 'auth', ...['api', 'access', 'private', 'signing', 'encryption', 'master'].flatMap((w) => [`${w}key`, `${w}_key`, `${w}-key`]), 'sessionid', 'session_id', 'session-id'],
    lead: 0,
    // A generated-looking value next to a secret-ish name: api_key=…, "client_secret": "…", X-Api-Key: …
    pattern: assignment('(?:secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth|session[_-]?id|signing[_-]?key|encryption[_-]?key|master[_-]?key)[A-Za-z0-9_.-]{0,40}', { anchored: false }),
    validate: (_secret, match, text) => (NOT_A_SECRET_NAME.test(nameBefore(text, match)) ? false : secretValue(valueOf(match))),
    priority: 40,
  },
];

/** The whole name an unanchored assignment matched part of: the name characters before the match, then the matched name. */
function nameBefore(text: string, match: RegExpExecArray): string {
  let i = match.index;
  while (i > 0 && match.index - i < 40 && isNameChar(text.charCodeAt(i - 1))) i--;
  return text.slice(i, match.index) + match.groups!.name!;
}

/** [A-Za-z0-9_.-], by code: called for each character of a name. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

function valueOf(match: RegExpExecArray): string {
  const g = match.groups!;
  return g.dq ?? g.sq ?? g.bare ?? '';
}
