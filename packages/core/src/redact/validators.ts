import { crc32 } from 'node:zlib';

/**
 * Values that stand in for a secret in docs, templates and examples: `${API_KEY}`,
 * `<your-token>`, `****`, `xxxx`, `...`, `[REDACTED…]`, AWS's published EXAMPLE keys.
 * Redacting them would only hide useful context.
 */
const PLACEHOLDER =
  /^(?:\$\{[^}]{0,100}\}|\$\(?[A-Z_][A-Z0-9_]{0,60}\)?|\{\{[^}]{0,100}\}\}|<[^>]{0,100}>|%[A-Z_]{1,60}%|\[[^\]]{0,100}\]|[*xX•.#-]{1,}|(?:your|my|the)[_-][a-z_-]{0,40}|placeholder|example|redacted|null|nil|none|undefined|true|false|secret|password|token|string|value|test|dummy)$/i;

export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER.test(value)) return true;
  // Mostly x's or asterisks (sk-xxxxxxxx, ghp_XXXXXXXXXXXXXXXX), ellipses, or a documented example.
  if (/x{6,}|X{6,}|\*{3,}|\.\.\.|…/.test(value)) return true;
  return /EXAMPLE/.test(value);
}

/** Luhn (mod 10) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Card brands by issuer prefix and length (ISO/IEC 7812 ranges as the
 * networks publish them). A Luhn-valid number outside them — an epoch
 * timestamp, an order id — is not a card.
 */
export function cardBrand(digits: string): string | undefined {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && n >= 16 && n <= 19) return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p3 === 309) && n >= 14 && n <= 19) return 'diners';
  if (p2 === 62 && n >= 16 && n <= 19) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && n >= 12 && n <= 19) return 'maestro';
  return undefined;
}

/** A US Social Security number's ranges: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function validSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** GitHub's classic token checksum: the last 6 characters are the CRC32 of the 30 before them, in base62. */
export function githubChecksumValid(token: string): boolean {
  const body = token.slice(token.indexOf('_') + 1);
  if (body.length !== 36) return false;
  let n = crc32(body.slice(0, 30));
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out === body.slice(30);
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Letters and digits both, and enough entropy for its length: a generated value, not a word or a number. */
export function looksGenerated(value: string, minBits = 3): boolean {
  if (value.length < 12) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return entropy(value) >= minBits;
}
