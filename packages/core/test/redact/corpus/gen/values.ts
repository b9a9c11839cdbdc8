// Fake secret and personal-data values in each detector's format. Every value is drawn
// from the seeded generator; checksums are computed where the format has one.
import { B62, B64, B64URL, BASE32, DIGITS, HEX, LOWER, Rng, UPPER } from './rng.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]!;
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(n: number): string {
  let out = '';
  do {
    out = B62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out;
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const b64url = (text: string): string => Buffer.from(text).toString('base64url');

export function anthropicKey(rng: Rng): string {
  const prefix = rng.bool(0.85) ? 'sk-ant-api03-' : 'sk-ant-admin01-';
  return prefix + rng.chars(B64URL, 93) + 'AA';
}

export function openaiKey(rng: Rng): string {
  const mid = 'T3BlbkFJ';
  const style = rng.int(0, 9);
  if (style < 3) return `sk-${rng.chars(B62, 20)}${mid}${rng.chars(B62, 20)}`;
  const prefix = style < 7 ? 'sk-proj-' : style < 9 ? 'sk-svcacct-' : 'sk-admin-';
  return `${prefix}${rng.chars(B64URL, rng.int(58, 74))}${mid}${rng.chars(B64URL, rng.int(58, 74))}`;
}

/** Classic GitHub token: prefix, 30 random base62, 6-char base62 CRC32 of the random part. */
export function githubClassic(rng: Rng, prefix: string, validChecksum = true): string {
  const body = rng.chars(B62, 30);
  const sum = validChecksum ? base62(crc32(body)).padStart(6, '0') : rng.chars(B62, 6);
  return `${prefix}${body}${sum}`;
}

export function githubFineGrained(rng: Rng): string {
  return `github_pat_11${rng.chars(UPPER + DIGITS, 20)}_${rng.chars(B62, 59)}`;
}

/** The stateless installation token (ghs_<app id>_<JWT>), about 520 characters. */
export function githubStateless(rng: Rng): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: rng.chars(HEX, 16) }));
  const iat = 1795000000 + rng.int(0, 9_000_000);
  const payload = b64url(
    JSON.stringify({
      iss: 'https://api.github.com',
      iat,
      exp: iat + 3600,
      aid: rng.int(100000, 2999999),
      iid: rng.int(10000000, 99999999),
      rid: rng.chars(B62, 22),
      perm: rng.chars(B64URL, 24),
    }),
  );
  return `ghs_${rng.int(100000, 2999999)}_${header}.${payload}.${rng.chars(B64URL, 171)}`;
}

export function awsKeyId(rng: Rng): string {
  return (rng.bool(0.7) ? 'AKIA' : 'ASIA') + rng.chars(BASE32, 16);
}

export function awsSecret(rng: Rng): string {
  return rng.chars(B64, 40);
}

export function stripeKey(rng: Rng): string {
  const prefix = rng.pick(['sk_live_', 'sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_']);
  if (prefix === 'whsec_') return prefix + rng.chars(B62, 32);
  return prefix + (rng.bool() ? `51${rng.chars(B62, 97)}` : rng.chars(B62, 24));
}

export function slackToken(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
    case 1:
      return `xoxb-${rng.digits(12)}-${rng.digits(13)}-${rng.chars(B62, 24)}`;
    case 2:
      return `xoxp-${rng.digits(12)}-${rng.digits(12)}-${rng.digits(13)}-${rng.chars(HEX, 32)}`;
    case 3:
      return `xoxa-2-${rng.digits(12)}-${rng.digits(12)}-${rng.digits(13)}-${rng.chars(HEX, 64)}`;
    case 4:
      return `xapp-1-A${rng.chars(UPPER + DIGITS, 10)}-${rng.digits(13)}-${rng.chars(HEX, 64)}`;
    default:
      return `xoxe.xoxp-1-${rng.chars(B62, 140)}`;
  }
}

export function slackWebhook(rng: Rng): string {
  const id = (c: string) => c + rng.chars(UPPER + DIGITS, rng.pick([8, 10]));
  return `https://hooks.slack.com/services/${id('T')}/${id('B')}/${rng.chars(B62, 24)}`;
}

export function googleApiKey(rng: Rng): string {
  return 'AIza' + rng.chars(B64URL, 35);
}

export function opaqueToken(rng: Rng): string {
  switch (rng.int(0, 3)) {
    case 0:
      return rng.chars(HEX, rng.pick([32, 40, 64]));
    case 1:
      return rng.chars(B64URL, rng.int(32, 56));
    case 2:
      return rng.chars(B62, rng.int(28, 48));
    default:
      return `${rng.chars(LOWER + DIGITS, 8)}.${rng.chars(B64URL, 40)}`;
  }
}

export function basicCredential(rng: Rng, user: string): string {
  return b64(new TextEncoder().encode(`${user}:${password(rng, true)}`));
}

const FIRST = ['ada', 'grace', 'alan', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'radia', 'edsger', 'frances', 'john', 'katherine', 'tim', 'hedy', 'sophie', 'omar', 'priya', 'wei', 'fatima', 'lucas', 'chloe', 'mateo', 'amara', 'noah', 'yuki', 'ines', 'kofi', 'elena', 'ravi'];
const LAST = ['lovelace', 'hopper', 'turing', 'torvalds', 'hamilton', 'thompson', 'liskov', 'ritchie', 'perlman', 'dijkstra', 'allen', 'mccarthy', 'johnson', 'berners-lee', 'lamarr', 'wilson', 'haddad', 'sharma', 'zhang', 'okafor', 'martin', 'dubois', 'garcia', 'mensah', 'tanaka', 'silva', 'novak', 'kowalski', 'nguyen', 'ivanova'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'eu.example.org', 'acme.test', 'globex.example', 'initech.example', 'hooli.test', 'contoso.example'];

export function person(rng: Rng): { first: string; last: string } {
  return { first: rng.pick(FIRST), last: rng.pick(LAST) };
}

export function email(rng: Rng): string {
  const { first, last } = person(rng);
  const domain = rng.pick(DOMAINS);
  switch (rng.int(0, 7)) {
    case 0:
      return `${first}@${domain}`;
    case 1:
      return `${first}.${last}@${domain}`;
    case 2:
      return `${first[0]}${last}${rng.int(1, 99)}@${domain}`;
    case 3:
      return `${first}+${rng.pick(['billing', 'test', 'news', 'dev'])}@${domain}`;
    case 4:
      return `${first}_${last}@${domain}`;
    case 5:
      return `${capital(first)}.${capital(last)}@${domain.toUpperCase()}`;
    case 6:
      return `${last}.${first}@${rng.pick(['sub', 'dept', 'corp'])}.${domain}`;
    default:
      return `${first}-${last}@${domain}`;
  }
}

const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const PASSWORD_CHARS = UPPER + LOWER + DIGITS + '!@$%^*_-+=.?~';
const URL_SAFE_PASSWORD_CHARS = UPPER + LOWER + DIGITS + '_-.~';
const WORDS = ['correct', 'horse', 'battery', 'staple', 'orange', 'river', 'falcon', 'marble', 'violet', 'tundra', 'cactus', 'lemon', 'anchor', 'copper'];

/** A real-looking password: random, human-chosen-looking, or a passphrase. */
export function password(rng: Rng, urlSafe = false): string {
  const style = rng.int(0, 9);
  if (style < 5) return rng.chars(urlSafe ? URL_SAFE_PASSWORD_CHARS : PASSWORD_CHARS, rng.int(12, 28));
  if (style < 8) {
    const word = capital(rng.pick(WORDS));
    return `${word}${rng.int(1970, 2026)}${urlSafe ? rng.pick(['_', '-', '.']) : rng.pick(['!', '?', '#', '$', '_'])}${rng.chars(LOWER, 2)}`;
  }
  return [rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS), String(rng.int(10, 99))].join(rng.pick(['-', '.', '_']));
}

export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function luhnValid(number: string): boolean {
  const digits = number.replace(/\D/g, '');
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

const CARD_BRANDS: Array<{ prefixes: string[]; length: number; groups: number[] }> = [
  { prefixes: ['4'], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ['4'], length: 13, groups: [4, 4, 5] },
  { prefixes: ['51', '52', '53', '54', '55', '2221', '2720'], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ['34', '37'], length: 15, groups: [4, 6, 5] },
  { prefixes: ['6011', '65'], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ['3528', '3589'], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ['36', '38'], length: 14, groups: [4, 6, 4] },
  { prefixes: ['6759', '4'], length: 19, groups: [4, 4, 4, 4, 3] },
];

/** A Luhn-valid (or, with valid=false, Luhn-invalid) card number, plain or grouped. */
export function cardNumber(rng: Rng, valid = true, separator?: string): string {
  const brand = rng.pick(CARD_BRANDS);
  const prefix = rng.pick(brand.prefixes);
  const body = prefix + rng.digits(brand.length - prefix.length - 1);
  const check = luhnCheckDigit(body);
  const digits = body + String(valid ? check : (check + rng.int(1, 9)) % 10);
  const picked = separator ?? rng.pick(['', ' ', ' ', '-']);
  // Nobody prints the rare 13-digit cards in groups, so they stay one run of digits.
  const sep = brand.length === 13 ? '' : picked;
  if (sep === '') return digits;
  const parts: string[] = [];
  let at = 0;
  for (const g of brand.groups) {
    parts.push(digits.slice(at, at + g));
    at += g;
  }
  return parts.join(sep);
}

export function ssn(rng: Rng, separator = rng.bool(0.8) ? '-' : ' '): string {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  return [rng.pad(area, 3), rng.pad(rng.int(1, 99), 2), rng.pad(rng.int(1, 9999), 4)].join(separator);
}

const US_AREAS = [201, 206, 212, 303, 312, 404, 415, 503, 512, 617, 646, 702, 718, 737, 808, 919];

/** A phone number in a range set aside for fiction (US 555-01xx, UK Ofcom drama ranges, AU, FR). */
export function phone(rng: Rng): string {
  const line = `01${rng.pad(rng.int(0, 99), 2)}`;
  const area = rng.pick(US_AREAS);
  switch (rng.int(0, 11)) {
    case 0:
    case 1:
      return `+1${area}555${line}`;
    case 2:
      return `(${area}) 555-${line}`;
    case 3:
      return `${area}-555-${line}`;
    case 4:
      return `${area}.555.${line}`;
    case 5:
      return `+1 ${area} 555 ${line}`;
    case 6:
      return `+1 (${area}) 555-${line}`;
    case 7:
      return `+44 20 7946 0${rng.pad(rng.int(0, 999), 3)}`;
    case 8:
      return rng.bool() ? `+447700900${rng.pad(rng.int(0, 999), 3)}` : `+44 7700 900${rng.pad(rng.int(0, 999), 3)}`;
    case 9:
      return rng.bool() ? `+61 491 570 ${rng.int(110, 159)}` : `+61491570${rng.int(110, 159)}`;
    case 10:
      return rng.bool() ? `+33 6 39 98 ${rng.pad(rng.int(0, 99), 2)} ${rng.pad(rng.int(0, 99), 2)}` : `+3363998${rng.pad(rng.int(0, 9999), 4)}`;
    default:
      return `+1${area}555${line}`;
  }
}

export function uuid(rng: Rng): string {
  const h = rng.chars(HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${rng.pick(['8', '9', 'a', 'b'])}${h.slice(17, 20)}-${h.slice(20)}`;
}

export function jwt(rng: Rng, alg = rng.pick(['HS256', 'RS256', 'ES256'])): string {
  const header = b64url(JSON.stringify(rng.bool() ? { alg, typ: 'JWT' } : { alg, typ: 'JWT', kid: rng.chars(B64URL, 20) }));
  const iat = 1790000000 + rng.int(0, 20_000_000);
  const claims: Record<string, unknown> = { sub: rng.bool() ? uuid(rng) : `user_${rng.chars(B62, 16)}`, iat, exp: iat + rng.pick([900, 3600, 86400]) };
  if (rng.bool()) claims['aud'] = rng.pick(['api', 'https://api.example.com', 'console']);
  if (rng.bool()) claims['scope'] = rng.pick(['read:logs', 'openid profile', 'admin', 'write:keys read:keys']);
  if (rng.bool()) claims['tid'] = `t_${rng.chars(B62, 10)}`;
  const sigLength = alg === 'RS256' ? 342 : alg === 'ES256' ? 86 : 43;
  return `${header}.${b64url(JSON.stringify(claims))}.${rng.chars(B64URL, sigLength)}`;
}

const PEM_KINDS: Array<{ label: string; bytes: [number, number]; lead: string; width: number }> = [
  { label: 'RSA PRIVATE KEY', bytes: [1180, 1200], lead: 'MIIEow', width: 64 },
  { label: 'PRIVATE KEY', bytes: [1210, 1220], lead: 'MIIEvQ', width: 64 },
  { label: 'PRIVATE KEY', bytes: [40, 44], lead: 'MC4CAQ', width: 64 },
  { label: 'EC PRIVATE KEY', bytes: [115, 118], lead: 'MHcCAQ', width: 64 },
  { label: 'OPENSSH PRIVATE KEY', bytes: [390, 400], lead: 'b3BlbnNzaC1rZXktdjEAAAAA', width: 70 },
  { label: 'ENCRYPTED PRIVATE KEY', bytes: [1290, 1300], lead: 'MIIFHD', width: 64 },
  { label: 'DSA PRIVATE KEY', bytes: [440, 450], lead: 'MIIBuw', width: 64 },
];

/** A PEM block with a random body; newline is '\n' or the two characters backslash-n. */
export function privateKey(rng: Rng, newline: string): string {
  const kind = rng.pick(PEM_KINDS);
  const body = kind.lead + b64(rng.bytes(rng.int(...kind.bytes))).slice(kind.lead.length);
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += kind.width) lines.push(body.slice(i, i + kind.width));
  return [`-----BEGIN ${kind.label}-----`, ...lines, `-----END ${kind.label}-----`].join(newline);
}

/** A public block (certificate or public key): not a secret. */
export function publicBlock(rng: Rng, newline: string): string {
  const label = rng.pick(['CERTIFICATE', 'PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE REQUEST']);
  const body = 'MII' + b64(rng.bytes(rng.int(280, 900))).slice(3);
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join(newline);
}
