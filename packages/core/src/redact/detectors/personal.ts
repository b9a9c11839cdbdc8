import { cardBrand, luhn, validSsn } from '../validators.js';
import { HIGH, MEDIUM, type Detector } from './types.js';

/** Top-level domains that are really file extensions: icon@2x.png is not an address. */
const FILE_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'css', 'scss', 'map', 'json', 'html', 'htm', 'md', 'txt', 'lock', 'yaml', 'yml', 'toml', 'xml', 'pdf', 'zip', 'gz', 'tar', 'wasm', 'node', 'so', 'dll', 'exe', 'sh', 'py', 'rb', 'go', 'rs', 'java', 'kt', 'swift', 'vue', 'svelte', 'woff', 'woff2', 'ttf', 'otf', 'mp3', 'mp4', 'mov', 'avi', 'webm', 'csv', 'log', 'bak', 'tmp', 'min']);

/** The start of an email's local part ending just before `at` (the '@'): up to 64 characters, starting with a letter or digit. */
function localPartStart(text: string, at: number): number | undefined {
  let i = at;
  while (i > 0 && at - i < 64 && LOCAL.test(text[i - 1]!)) i--;
  if (i > 0 && LOCAL.test(text[i - 1]!)) return undefined; // longer than 64: not an address
  while (i < at && !/[A-Za-z0-9]/.test(text[i]!)) i++; // a local part starts with a letter or digit
  return i < at ? i : undefined;
}
const LOCAL = /[A-Za-z0-9._%+-]/;

/** True when `at` follows a `scheme://` with no space, quote or slash between them (looked for at most 300 characters back). */
function insideUrlAuthority(text: string, at: number): boolean {
  for (let i = at - 1; i >= 2 && i >= at - 300; i--) {
    const c = text.charCodeAt(i);
    if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58) return true; // "://"
    if (c === 32 || c === 34 || c === 39 || c === 47 || c === 9 || c === 10) return false; // space, quotes, '/', tab, newline
  }
  return false;
}

/**
 * One trigger for the three digit detectors: a digit shape any of them needs
 * (4-4 groups, 13 digits, 3-2-4, 3-3-digit, a national 0…, '+' or '(' and a
 * digit), only where a number starts — not after a letter, digit, '.', '+',
 * '-', '/' or ':' — so the digits inside ids, hashes, UUIDs and timestamps
 * do not stop the scan. Shared, so the combined scan holds it once.
 */
export const DIGIT_SHAPES = /(?:^|[^\w.+\-/:])(?:\d{4}[ -]\d{4}[ -]?\d|\d{13}|\d{3}[- ]\d{2}[- ]\d{4}|\d{3}[.-]\d{3}[.-]\d|0\d{2,4} \d{3,4} \d|[+(]\d)/;

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Characters after which no number starts: a word character, '.', '+', '-', '/' or ':'. */
const GLUE = new Uint8Array(128);
for (const ch of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.+-/:') GLUE[ch.charCodeAt(0)] = 1;

/** Digits in a row from `i`, counting at most `max`. */
function digitsFrom(text: string, i: number, max: number): number {
  let n = 0;
  while (n < max && isDigit(text.charCodeAt(i + n))) n++;
  return n;
}

/**
 * DIGIT_SHAPES by hand, for the one-pass scanner: true when one of its shapes
 * starts at `i` (a digit, '+' or '(') and no number is glued to it on the left.
 * A test checks it against the expression on random strings.
 */
export function digitShapeAt(text: string, i: number): boolean {
  if (i > 0) {
    const before = text.charCodeAt(i - 1);
    if (before < 128 && GLUE[before] === 1) return false;
  }
  const c = text.charCodeAt(i);
  if (c === 43 || c === 40) return isDigit(text.charCodeAt(i + 1)); // [+(]\d
  if (!isDigit(c)) return false;
  const run = digitsFrom(text, i, 13);
  if (run === 13) return true; // \d{13}
  const sep = text.charCodeAt(i + run);
  if (run === 4 && (sep === 32 || sep === 45) && digitsFrom(text, i + 5, 4) === 4) {
    // \d{4}[ -]\d{4}[ -]?\d
    const after = text.charCodeAt(i + 9);
    if (isDigit(after) || ((after === 32 || after === 45) && isDigit(text.charCodeAt(i + 10)))) return true;
  }
  if (run === 3) {
    // \d{3}[- ]\d{2}[- ]\d{4}
    if ((sep === 45 || sep === 32) && digitsFrom(text, i + 4, 2) === 2) {
      const sep2 = text.charCodeAt(i + 6);
      if ((sep2 === 45 || sep2 === 32) && digitsFrom(text, i + 7, 4) === 4) return true;
    }
    // \d{3}[.-]\d{3}[.-]\d
    if ((sep === 46 || sep === 45) && digitsFrom(text, i + 4, 3) === 3) {
      const sep2 = text.charCodeAt(i + 7);
      if ((sep2 === 46 || sep2 === 45) && isDigit(text.charCodeAt(i + 8))) return true;
    }
  }
  // 0\d{2,4} \d{3,4} \d
  if (c === 48 && run >= 3 && run <= 5 && sep === 32) {
    const second = digitsFrom(text, i + run + 1, 5);
    if ((second === 3 || second === 4) && text.charCodeAt(i + run + 1 + second) === 32 && isDigit(text.charCodeAt(i + run + 2 + second))) return true;
  }
  return false;
}
const DIGIT_CHECK = { first: '0123456789+(', notAfter: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.+-/:', at: digitShapeAt };

export const PERSONAL_DETECTORS: readonly Detector[] = [
  {
    kind: 'email',
    keywords: ['@'],
    lead: 0,
    // Matched from the '@' (so the scan stops only at '@' signs), the local part found backwards.
    pattern: /@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}(?<tld>[A-Za-z]{2,24})(?![A-Za-z0-9-])/g,
    validate: (_secret, match, text) => {
      if (FILE_TLDS.has(match.groups!.tld!.toLowerCase())) return false;
      const start = localPartStart(text, match.index);
      if (start === undefined) return false;
      // user:password@host inside a URL is the URL credentials detector's; the host is not an address.
      return insideUrlAuthority(text, start) ? false : { confidence: 'high', startAt: start };
    },
    priority: 30,
  },
  {
    kind: 'card-number',
    // 13 digits not right after a word character, '.', ':' … (JSON numbers such as an epoch in ms follow ':').
    trigger: DIGIT_SHAPES,
    triggerCheck: DIGIT_CHECK,
    // 13–19 digits in groups of 4 (or Amex 4-6-5) or unbroken; never part of a longer number,
    // a decimal, a version, a UUID or an identifier.
    // The look-behind sits after the first digit, so the scan only stops at digits.
    pattern: /\d(?<![\w.+\-/:]\d)(?:\d{3}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{3}([ -])\d{6}\2\d{4,5}|\d{12,18})(?![\w]|[.:\-/]\d)/g,
    validate: (secret) => {
      const digits = secret.replace(/[ -]/g, '');
      if (digits.length < 13 || digits.length > 19 || !luhn(digits) || !cardBrand(digits)) return false;
      // Unbroken digit runs are often ids; only brand-valid and Luhn-valid ones get here, still say so.
      return digits.length === secret.length ? MEDIUM : HIGH;
    },
    priority: 25,
  },
  {
    kind: 'us-ssn',
    trigger: DIGIT_SHAPES,
    triggerCheck: DIGIT_CHECK,
    words: ['ssn', 'social'],
    pattern: /(?<area>\d(?<![\w.\-/:]\d)\d{2})([- ])(?<group>\d{2})\2(?<serial>\d{4})(?![\w]|[.:\-/]\d)|(?:ssn|social[_ -]?security(?:[_ -]?(?:number|no))?)["']?\s{0,5}[:=]\s{0,5}["']?(?<bare>\d{9})(?!\d)/gi,
    validate: (_secret, match) => {
      const g = match.groups!;
      if (g.bare) return validSsn(g.bare.slice(0, 3), g.bare.slice(3, 5), g.bare.slice(5)) ? HIGH : false;
      return validSsn(g.area!, g.group!, g.serial!) ? HIGH : false;
    },
    priority: 26,
  },
  {
    kind: 'phone-number',
    trigger: DIGIT_SHAPES,
    triggerCheck: DIGIT_CHECK,
    keywords: ['tel:'],
    // E.164 (+14155552671, +44 20 7946 0958), US (415) 555-2671 / 415-555-2671 / 415.555.2671,
    // UK national 020 7946 0958. A bare run of 10 digits is an id, not a phone number.
    pattern:
      // Each alternative checks what precedes it after its first character, so the scan only stops at '+', '(' and digits.
      /(?:\+(?<![\w+.\-/]\+)(?<!(?<!tel):\+)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){1,5}[ .-]?\d{2,4}|\((?<![\w+.\-/]\()\d{3}\)\s?\d{3}[ .-]\d{4}|[2-9](?<![\w+.\-/][2-9])\d{2}([.-])[2-9]\d{2}\1\d{4}|0(?<![\w+.\-/]0)\d{2,4} \d{3,4} \d{3,4})(?![\w]|[.:\-/]\d)/g,
    validate: (secret) => {
      const digits = secret.replace(/\D/g, '');
      if (secret.startsWith('+')) return digits.length >= 8 && digits.length <= 15 ? HIGH : false;
      if (secret.startsWith('0')) return digits.length >= 10 && digits.length <= 11 ? MEDIUM : false;
      const area = secret.replace(/^\(/, '');
      return digits.length === 10 && area[0] !== '0' && area[0] !== '1' ? HIGH : false;
    },
    priority: 20,
  },
];
