// Field encryption: sealValue / openValue per algorithm against the raw
// library call doing the same cipher work in the same run. The raw side gets
// a random nonce per call and, for the AEADs, associated data of the same
// length as ours, so the ratio is the envelope's own cost (header, context
// encoding, key lookup, allocation; for secretbox also the BLAKE2b subkey
// that binds the context, which raw secretbox does not do at all).
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { openValue, sealValue, type EnvelopeAlgorithm } from '@custodian/core/crypto';
import { report, type Result } from '../report.js';

const sodium = createRequire(import.meta.url)('sodium-native');
const ALGORITHMS: EnvelopeAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm', 'xsalsa20-poly1305'];
const key = randomBytes(32);
const keys = new Map([['tenant-42/v1', key]]);
const context = { tenant: 'tenant-42', table: 'oauth_tokens', column: 'refresh_token', primaryKey: ['tenant-42', '3f9c2a7e-0d1b-4c55-9a61-5b7f0e8d2c11'] };

/** Bytes of the encoded context in the associated data (docs/envelope.md, "Associated data"). */
function contextLength(c: typeof context): number {
  const framed = (s: string) => 4 + Buffer.byteLength(s, 'utf8');
  const parts: readonly string[] = typeof c.primaryKey === 'string' ? [c.primaryKey] : c.primaryKey;
  return 1 + (c.tenant === undefined ? 0 : framed(c.tenant)) + framed(c.table) + framed(c.column) + 4 + parts.reduce((n, p) => n + framed(p), 0);
}

interface Raw {
  seal(m: Buffer, ad: Buffer): { n: Buffer; c: Buffer };
  open(s: { n: Buffer; c: Buffer }, ad: Buffer): Buffer;
}
const RAW: Record<EnvelopeAlgorithm, Raw> = {
  'aes-256-gcm': {
    seal(m, ad) {
      const n = randomFillSync(Buffer.allocUnsafe(12));
      const c = createCipheriv('aes-256-gcm', key, n, { authTagLength: 16 }).setAAD(ad);
      const body = Buffer.concat([c.update(m), c.final(), c.getAuthTag()]);
      return { n, c: body };
    },
    open({ n, c }, ad) {
      const d = createDecipheriv('aes-256-gcm', key, n, { authTagLength: 16 }).setAAD(ad);
      d.setAuthTag(c.subarray(c.length - 16));
      return Buffer.concat([d.update(c.subarray(0, c.length - 16)), d.final()]);
    },
  },
  'xchacha20-poly1305': {
    seal(m, ad) {
      const n = Buffer.allocUnsafe(24);
      sodium.randombytes_buf(n);
      const c = Buffer.allocUnsafe(m.length + 16);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(c, m, ad, null, n, key);
      return { n, c };
    },
    open({ n, c }, ad) {
      const m = Buffer.allocUnsafe(c.length - 16);
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(m, null, c, ad, n, key);
      return m;
    },
  },
  'xsalsa20-poly1305': {
    seal(m) {
      const n = Buffer.allocUnsafe(24);
      sodium.randombytes_buf(n);
      const c = Buffer.allocUnsafe(m.length + 16);
      sodium.crypto_secretbox_easy(c, m, n, key);
      return { n, c };
    },
    open({ n, c }) {
      const m = Buffer.allocUnsafe(c.length - 16);
      if (!sodium.crypto_secretbox_open_easy(m, c, n, key)) throw new Error('raw open failed');
      return m;
    },
  },
};

/** Operations per second of `fn`, best of `rounds` windows of `ms` each; rounds interleave with the peer's. */
function rate(fn: () => unknown, ms: number): number {
  const until = performance.now() + ms;
  let n = 0;
  const start = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
  }
  return n / ((performance.now() - start) / 1000);
}
function pair(ours: () => unknown, raw: () => unknown, rounds: number, ms: number): [number, number] {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(rate(ours, ms));
    b.push(rate(raw, ms));
  }
  // The median of interleaved windows: robust to the other work on a noisy machine.
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(a), median(b)];
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const rounds = quick ? 3 : 7;
  const ms = quick ? 150 : 400;
  const results: Result[] = [];
  const ratios: Record<string, number> = {};
  const small = randomBytes(100);
  const big = randomBytes(1 << 20);
  for (const algorithm of ALGORITHMS) {
    const options = { key: { id: 'tenant-42/v1', bytes: key }, algorithm, context };
    const openOptions = { keys, context, expectedAlgorithm: algorithm };
    const raw = RAW[algorithm];
    // Same AD length as the envelope's: header + encoded context.
    const adLength = sealValue(small, options).length - small.length - 16 + contextLength(context);
    const ad = randomBytes(adLength);
    const env = sealValue(small, options);
    const rawSealed = raw.seal(small, ad);
    const [seal, rawSeal] = pair(() => sealValue(small, options), () => raw.seal(small, ad), rounds, ms);
    const [open, rawOpen] = pair(() => openValue(env, openOptions), () => raw.open(rawSealed, ad), rounds, ms);
    const bigEnv = sealValue(big, options);
    const bigRaw = raw.seal(big, ad);
    const mib = (ops: number) => ops * (big.length / 1e6);
    const [bigSeal, bigRawSeal] = pair(() => sealValue(big, options), () => raw.seal(big, ad), rounds, ms);
    const [bigOpen, bigRawOpen] = pair(() => openValue(bigEnv, openOptions), () => raw.open(bigRaw, ad), rounds, ms);
    const goal = algorithm === 'xchacha20-poly1305' ? 'goal ≥ 200,000' : '';
    results.push(
      { name: `${algorithm} seal 100 B`, value: seal, unit: 'ops/s' },
      { name: `${algorithm} raw seal 100 B`, value: rawSeal, unit: 'ops/s' },
      { name: `${algorithm} open 100 B`, value: open, unit: 'ops/s', note: goal },
      { name: `${algorithm} raw open 100 B`, value: rawOpen, unit: 'ops/s' },
      { name: `${algorithm} seal 1 MiB`, value: mib(bigSeal), unit: 'MB/s' },
      { name: `${algorithm} raw seal 1 MiB`, value: mib(bigRawSeal), unit: 'MB/s' },
      { name: `${algorithm} open 1 MiB`, value: mib(bigOpen), unit: 'MB/s' },
      { name: `${algorithm} raw open 1 MiB`, value: mib(bigRawOpen), unit: 'MB/s' },
    );
    const both = (s: number, o: number) => 1 / (1 / s + 1 / o);
    ratios[`${algorithm} seal / raw`] = seal / rawSeal;
    ratios[`${algorithm} open / raw`] = open / rawOpen;
    ratios[`${algorithm} seal+open / raw (goal ≥ 0.75)`] = both(seal, open) / both(rawSeal, rawOpen);
    ratios[`${algorithm} 1 MiB seal+open / raw`] = both(bigSeal, bigOpen) / both(bigRawSeal, bigRawOpen);
  }
  report('crypto', results, ratios, { value: '100 B and 1 MiB', context: 'tenant, table, column, 2-part key', quick: String(quick) });
}
