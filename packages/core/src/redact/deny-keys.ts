/**
 * Object keys whose values are replaced whole, whatever they hold: matched
 * after normalising (lower-case, without `-`, `_`, `.` and spaces), exactly
 * or as a suffix (`db_password`, `stripeApiKey`, `X-Csrf-Token`). `max_tokens`
 * or `token_count` do not end in a denied word and are kept.
 */
export const DEFAULT_DENY_KEYS: readonly string[] = [
  'password', 'passwd', 'pwd', 'passphrase',
  'secret', 'token', 'authorization', 'cookie', 'set-cookie',
  'api_key', 'apikey', 'x-api-key', 'private_key', 'privatekey', 'secret_key', 'access_key',
  'session', 'session_id', 'sid', 'credentials', 'credential',
  'ssn', 'card_number', 'credit_card', 'cvv', 'cvc',
];

const SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'secretkey', 'accesskey', 'cookie', 'authorization', 'credentials', 'sessionid'];

export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_. ]/g, '');
}

/** A predicate over object keys for the built-in list plus `extra` (from the policy's `logging.redact.denyKeys`). */
export function denyKeyMatcher(extra: readonly string[] = []): (key: string) => boolean {
  const exact = new Set([...DEFAULT_DENY_KEYS, ...extra].map(normalizeKey));
  const suffixes = [...SUFFIXES, ...extra.map(normalizeKey)];
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      const k = normalizeKey(key);
      hit = exact.has(k) || suffixes.some((s) => k.endsWith(s));
      if (cache.size < 10_000) cache.set(key, hit);
    }
    return hit;
  };
}
