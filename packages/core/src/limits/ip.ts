import { isIP } from 'node:net';

/**
 * An address as numbers: IPv4 as one 32-bit word, IPv6 as eight 16-bit
 * words. IPv4-mapped IPv6 (`::ffff:203.0.113.7`, what a dual-stack socket
 * reports for an IPv4 client) is read as the IPv4 address it carries, so a
 * block on `203.0.113.7` holds whichever way the client arrives.
 */
export type ParsedAddress = { family: 4; word: number } | { family: 6; words: number[] };

function parseV4(text: string): number | null {
  let word = 0;
  let parts = 0;
  let value = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (value < 0 || value > 255) return null;
      word = (word << 8) | value;
      parts++;
      value = -1;
    } else if (c >= 48 && c <= 57) {
      value = value < 0 ? c - 48 : value * 10 + (c - 48);
    } else {
      return null;
    }
  }
  return parts === 4 ? word >>> 0 : null;
}

/**
 * One pass over the characters into a fixed array of eight words, with no
 * regular expressions, splits or helper calls: this runs on every request
 * (the blocklist check), so it is kept tight.
 */
function parseV6(text: string): number[] | null {
  const zone = text.indexOf('%');
  const end = zone >= 0 ? zone : text.length;
  const words = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0;
  let gap = -1;
  let value = 0;
  let digits = 0;
  let groupStart = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    let h: number;
    if (c >= 48 && c <= 57) h = c - 48;
    else if (c >= 97 && c <= 102) h = c - 87;
    else if (c >= 65 && c <= 70) h = c - 55;
    else if (c === 58 /* : */) {
      if (digits > 0) {
        if (n === 8) return null;
        words[n++] = value;
      } else if (i !== 0) {
        return null; // an empty group that is not part of `::` (a `::` is taken whole below)
      }
      if (text.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return null; // a second `::`
        gap = n;
        i++;
        if (text.charCodeAt(i + 1) === 58) return null; // `:::`
      } else if (i === 0 || i + 1 === end) {
        return null; // a lone leading or trailing colon
      }
      value = 0;
      digits = 0;
      groupStart = i + 1;
      continue;
    } else if (c === 46 /* . */) {
      // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`): the last two words.
      const v4 = parseV4(text.slice(groupStart, end));
      if (v4 === null || n > 6) return null;
      words[n++] = v4 >>> 16;
      words[n++] = v4 & 0xffff;
      digits = 0;
      break;
    } else {
      return null;
    }
    if (++digits > 4) return null;
    value = (value << 4) | h;
  }
  if (digits > 0) {
    if (n === 8) return null;
    words[n++] = value;
  }
  if (gap < 0) return n === 8 ? words : null;
  if (n === 8) return null;
  // Move the words after `::` to the end; zeros fill the gap.
  const tail = n - gap;
  for (let k = 1; k <= tail; k++) {
    words[8 - k] = words[n - k]!;
    words[n - k] = 0;
  }
  return words;
}

/** Parses an IPv4 or IPv6 address; null for anything else. */
export function parseAddress(text: string): ParsedAddress | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return null;
  if (text.indexOf(':') < 0) {
    const word = parseV4(text);
    return word === null ? null : { family: 4, word };
  }
  const words = parseV6(text);
  if (words === null) return null;
  // IPv4-mapped (::ffff:a.b.c.d, however written) is the IPv4 address it carries.
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    return { family: 4, word: ((words[6]! << 16) | words[7]!) >>> 0 };
  }
  return { family: 6, words };
}

const hex = (w: number) => w.toString(16);

/**
 * The key a client is limited under: an IPv4 address as itself, an IPv6
 * address by its /64 — one subscriber usually holds a whole /64 and can
 * pick a fresh address in it for every request. Unparseable input (a
 * missing socket address) is one shared key, so it is limited rather than free.
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  const parsed = parseAddress(ip);
  if (!parsed) return 'unknown';
  if (parsed.family === 4) return formatV4(parsed.word);
  const w = parsed.words;
  return `${hex(w[0]!)}:${hex(w[1]!)}:${hex(w[2]!)}:${hex(w[3]!)}::/64`;
}

/** An address as it should be recorded: IPv4-mapped IPv6 as the IPv4 address, anything else unchanged. */
export function canonicalIp(ip: string): string {
  if (ip.indexOf(':') < 0) return ip;
  const parsed = parseAddress(ip);
  return parsed?.family === 4 ? formatV4(parsed.word) : ip;
}

export function formatV4(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 255}.${(word >>> 8) & 255}.${word & 255}`;
}

/** A network: an address and a prefix length (`203.0.113.0/24`, `2001:db8::/48`, or one address). */
export interface Network {
  family: 4 | 6;
  prefix: number;
  /** The network in canonical text, host bits cleared: what is stored and shown. */
  text: string;
  /** The match key at this prefix length. */
  key: string | number;
}

/** The smallest ranges a blocklist entry may name: wider ones would shut out whole providers by mistake. */
export const MIN_PREFIX = { 4: 8, 6: 16 } as const;

function v4Key(word: number, prefix: number): number {
  return prefix === 0 ? 0 : word >>> (32 - prefix);
}

/** All eight words as a string of eight UTF-16 code units: the match keys are its prefixes. */
function v6Words(words: readonly number[]): string {
  return String.fromCharCode(words[0]!, words[1]!, words[2]!, words[3]!, words[4]!, words[5]!, words[6]!, words[7]!);
}

/** The first `prefix` bits as a short string: one code unit per whole 16-bit word, then the remaining bits (cheap to build; only ever a map key). */
function v6Key(all: string, words: readonly number[], prefix: number): string {
  const full = prefix >>> 4;
  const rest = prefix & 15;
  return rest === 0 ? all.slice(0, full) : all.slice(0, full) + String.fromCharCode(words[full]! >>> (16 - rest));
}

/**
 * Parses `address` or `address/prefix`. Returns a reason instead of throwing,
 * so callers can say where the bad value came from (a CLI flag, a request body).
 */
export function parseNetwork(text: string): Network | { error: string } {
  if (typeof text !== 'string') return { error: 'must be an IP address or a network such as 203.0.113.0/24' };
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  if (isIP(addressText) === 0) return { error: 'must be an IP address or a network such as 203.0.113.0/24' };
  const address = parseAddress(addressText);
  if (!address) return { error: 'must be an IP address or a network such as 203.0.113.0/24' };
  const max = addressText.includes(':') ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return { error: `has a prefix length that is not between 0 and ${max}` };
    prefix = Number(p);
  }
  // A mapped address (`::ffff:1.2.3.4`, or `::ffff:1.2.3.0/120`) is the IPv4 address or range it carries.
  if (address.family === 4 && max === 128) {
    if (prefix < 96) return { error: 'is an IPv4-mapped range wider than IPv4' };
    prefix -= 96;
  }
  if (prefix < MIN_PREFIX[address.family]) {
    return { error: `is wider than /${MIN_PREFIX[address.family]}, which would block a large part of the internet` };
  }
  if (address.family === 4) {
    const key = v4Key(address.word, prefix);
    const base = prefix === 0 ? 0 : (key << (32 - prefix)) >>> 0;
    return { family: 4, prefix, key, text: `${formatV4(base)}/${prefix}` };
  }
  const words = address.words.map((w, i) => {
    const bits = Math.min(16, Math.max(0, prefix - i * 16));
    return bits === 0 ? 0 : bits === 16 ? w : (w >>> (16 - bits)) << (16 - bits);
  });
  return { family: 6, prefix, key: v6Key(v6Words(address.words), address.words, prefix), text: `${compressV6(words)}/${prefix}` };
}

/** RFC 5952 text: the longest run of zero words (two or more) as `::`. */
function compressV6(words: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt < 0) return words.map(hex).join(':');
  const head = words.slice(0, bestAt).map(hex).join(':');
  const tail = words.slice(bestAt + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/**
 * Answers "is this address in any of these networks" with one set lookup per
 * distinct prefix length present (a handful in practice), so the check costs
 * well under a microsecond whatever the number of entries.
 */
export class NetworkMatcher<T> {
  readonly #v4 = new Map<number, Map<number, T>>();
  readonly #v6 = new Map<number, Map<string, T>>();
  #size = 0;

  add(network: Network, value: T): void {
    if (network.family === 4) {
      let byKey = this.#v4.get(network.prefix);
      if (!byKey) this.#v4.set(network.prefix, (byKey = new Map()));
      byKey.set(network.key as number, value);
    } else {
      let byKey = this.#v6.get(network.prefix);
      if (!byKey) this.#v6.set(network.prefix, (byKey = new Map()));
      byKey.set(network.key as string, value);
    }
    this.#size++;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * The value of a network holding `ip` that `accept` takes (the first found,
   * when several do), or undefined. `accept` lets a caller skip values that
   * went stale since they were added (an expired entry) without hiding
   * another network that also holds the address.
   */
  match(ip: string, accept?: (value: T) => boolean): T | undefined {
    if (this.#size === 0) return undefined;
    const address = parseAddress(ip);
    if (!address) return undefined;
    if (address.family === 4) {
      for (const [prefix, byKey] of this.#v4) {
        const hit = byKey.get(v4Key(address.word, prefix));
        if (hit !== undefined && (accept === undefined || accept(hit))) return hit;
      }
      return undefined;
    }
    const all = v6Words(address.words);
    for (const [prefix, byKey] of this.#v6) {
      const hit = byKey.get(v6Key(all, address.words, prefix));
      if (hit !== undefined && (accept === undefined || accept(hit))) return hit;
    }
    return undefined;
  }
}
