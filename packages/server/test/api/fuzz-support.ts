import fc from 'fast-check';

/** Every injected value carries this, so an echo in a response is found by one search. */
export const MARK = 'fzq';

/** Strings that try to break out of SQL, a path or the encoding; each carries the marker. */
export const INJECTIONS: readonly string[] = [
  `${MARK}' OR 1=1--`,
  `${MARK}"; DROP TABLE custodian.memberships; --`,
  `../../etc/passwd${MARK}`,
  `%2e%2e%2f${MARK}`,
  `${MARK}\u0000nul`,
  `${MARK}\uD800lone`,
  `${MARK}\uDFFFlone`,
  `${MARK}\u202Ertl\u202C`,
  `${MARK}😀🏳️‍🌈`,
  `${MARK}${'a'.repeat(5000)}`,
  `${MARK}<script>alert(1)</script>`,
  `${MARK}\${jndi:ldap://x}`,
];

/** Phrases of the injections that must never come back in an error. */
export const ECHO_PROBES: readonly string[] = [MARK, 'OR 1=1', 'DROP TABLE', 'etc/passwd', '%2e%2e', '<script>', 'jndi'];

/** Percent-encodes UTF-16 code units byte by byte, so lone surrogates and NUL reach the server as raw bytes (encodeURIComponent throws on them). */
export function rawEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (/[A-Za-z0-9_.~-]/.test(ch)) out += ch;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += `%${(0xe0 | (cp >> 12)).toString(16)}%${(0x80 | ((cp >> 6) & 0x3f)).toString(16)}%${(0x80 | (cp & 0x3f)).toString(16)}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** Path segments: injections both encoded and as they are, plus raw-byte oddities. */
export const PATH_VALUES: readonly string[] = [
  ...INJECTIONS.map(rawEncode),
  `${MARK}%00`,
  `${MARK}%ff%fe`,
  `${MARK}%`,
  `..%2f..%2f${MARK}`,
  `%2e%2e%2f${MARK}`,
  `${MARK}${'b'.repeat(3000)}`,
];

/** JSON texts that no schema accepts; the malformed ones fail before any handler runs. */
export const MALFORMED_JSON: readonly string[] = [
  `{"${MARK}":`,
  `{'${MARK}': 1}`,
  `[1, 2`,
  `nul`,
  `{"a": 1,}`,
  `"${MARK}`,
  `{"a": NaN}`,
  `\u0000{}`,
  '['.repeat(30_000),
];

export const POLLUTION: readonly string[] = [
  `{"__proto__": {"polluted": "${MARK}"}}`,
  `{"constructor": {"prototype": {"polluted": "${MARK}"}}}`,
  `{"a": {"__proto__": {"polluted": "${MARK}"}}}`,
  `[{"__proto__": {"polluted": "${MARK}"}}]`,
];

/** Wrong types for a field: none of these is a string the schemas want. */
export const WRONG_TYPES: readonly unknown[] = [12345, -1.5e308, true, null, [MARK], { [MARK]: 1 }, [], {}];

export const COOKIES: ReadonlyArray<[string, (valid: string) => string]> = [
  ['garbage', () => `__Host-custodian_session=${MARK}%%;;==garbage`],
  ['wrong length', () => `__Host-custodian_session=${MARK}abc`],
  ['10 KB', () => `__Host-custodian_session=${MARK}${'A'.repeat(10_240)}`],
  ['duplicated name', (valid) => `__Host-custodian_session=${valid}; __Host-custodian_session=${valid}`],
  ['unknown token', () => `__Host-custodian_session=${'Q'.repeat(40)}${MARK}`],
  ['unicode', () => `__Host-custodian_session=${MARK}\u00e9\u00ff`],
  ['empty', () => '__Host-custodian_session='],
  ['other name only', (valid) => `custodian_session=${valid}`],
];

export const CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/octet-stream',
  '',
];

/** Bodies fast-check makes: arbitrary JSON objects that always hold a field no schema allows. */
export const arbitraryBody = fc
  .tuple(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), fc.string({ maxLength: 20 }))
  .map(([obj, s]) => ({ ...obj, [`${MARK}_extra`]: `${MARK}${s}` }));

/** Path segments fast-check makes, from the whole of Unicode (lone surrogates included), marked. */
export const arbitrarySegment = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => rawEncode(`${MARK}${s}`));

export const FUZZ_SEED = 20261201;
