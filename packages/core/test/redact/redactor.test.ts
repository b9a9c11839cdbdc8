import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRedactor, DETECTORS, githubChecksumValid, MARKER } from '@custodian/core/redact';
import { EXAMPLES } from './examples.js';

const tagKey = new Uint8Array(32).fill(7);
const redactor = createRedactor({ tagKey });

describe('detectors: documented examples', () => {
  for (const [kind, { positive, negative }] of Object.entries(EXAMPLES)) {
    test(`A5, C9: ${kind} — each positive example is redacted as ${kind}, each negative left unchanged`, () => {
      for (const { text, secret } of positive) {
        const out = redactor.string(text);
        assert.ok(!out.includes(secret!), `${kind}: ${JSON.stringify(out)} still holds the secret`);
        assert.match(out, new RegExp(`\\[REDACTED:${kind}:[0-9a-f]{8}\\]`), `${kind}: ${JSON.stringify(out)}`);
      }
      for (const { text } of negative) assert.equal(redactor.string(text), text, `${kind} negative`);
    });
  }

  test('every built-in kind has documented examples', () => {
    assert.deepEqual(new Set(DETECTORS.map((d) => d.kind)), new Set(Object.keys(EXAMPLES)));
  });
});

describe('markers', () => {
  test('A5: the tag is a keyed HMAC: the same secret gives the same tag under one key, another tag under another key', () => {
    const line = 'DB_PASSWORD=hunter2-correct';
    const a = redactor.string(line);
    assert.equal(createRedactor({ tagKey }).string(line), a);
    assert.notEqual(createRedactor({ tagKey: new Uint8Array(32).fill(8) }).string(line), a);
    assert.notEqual(redactor.string('DB_PASSWORD=hunter3-correct'), a);
  });

  test('idempotent: redacting output again changes nothing, markers are never re-matched', () => {
    for (const { positive } of Object.values(EXAMPLES)) {
      for (const { text } of positive) {
        const once = redactor.string(text);
        assert.equal(redactor.string(once), once);
        assert.deepEqual(redactor.findings(once), []);
      }
    }
    const kept = createRedactor({ tagKey, keepPrefixes: true });
    const once = kept.string('key sk_live_51HxYz2Ab3Cd4Ef5Gh6 and AKIA2E3F4G5H6J7K7L2M');
    assert.match(once, /^key sk_live_\[REDACTED:stripe-key:[0-9a-f]{8}\] and AKIA\[REDACTED:aws-access-key-id:[0-9a-f]{8}\]$/);
    assert.equal(kept.string(once), once);
  });

  test('a GitHub token with a valid CRC32 checksum is high confidence; one without is still redacted', () => {
    const body = 'R4nd0mT0k3nV4lu3Xy9Zq8Wp7Lm6Kj';
    const valid = `ghp_${body}${checksum(body)}`;
    assert.ok(githubChecksumValid(valid));
    const [good] = redactor.findings(`t ${valid}`);
    assert.equal(good?.confidence, 'high');
    const bad = `ghp_${body}AAAAAA`;
    const [other] = redactor.findings(`t ${bad}`);
    assert.deepEqual([other?.kind, other?.confidence], ['github-token', 'medium']);
  });

  test('A5, B4: JSON text — secrets right after an escaped newline are found, and the output stays valid JSON', () => {
    const key = 'AKIA2E3F4G5H6J7K7L2M';
    const message = `keys:\n${key}\nada@example.com\t4111 1111 1111 1111\r\n123-45-6789\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\npath C:\\new\\${key}`;
    const line = JSON.stringify({ msg: message });
    const out = redactor.string(line);
    const parsed = JSON.parse(out) as { msg: string };
    for (const secret of [key, 'ada@example.com', '4111 1111 1111 1111', '123-45-6789', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC']) assert.ok(!out.includes(secret), secret);
    assert.match(parsed.msg, /^keys:\n\[REDACTED:aws-access-key-id:[0-9a-f]{8}\]\n\[REDACTED:email:[0-9a-f]{8}\]\t\[REDACTED:card-number:/);
    assert.equal(redactor.string(out), out);
    // Header values quoted inside a JSON string: authorization=\"Basic …\"
    const header = JSON.stringify({ msg: 'upstream said authorization="Basic YWRhOnMzY3IzdC1wYXNzd29yZA=="' });
    assert.ok(!redactor.string(header).includes('YWRhOnMzY3IzdC1wYXNzd29yZA=='));
  });

  test('overlapping findings are merged: nothing either detector found stays visible', () => {
    const text = 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const found = redactor.findings(text);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.end, text.length);
    assert.ok(MARKER.test(redactor.string(text)));
  });
});

describe('structured values', () => {
  test('A5, B4: denied keys are replaced whole at any depth; other strings are scanned; the input is not changed', () => {
    const input = {
      user: { email: 'ada@example.com', password: 'x1', max_tokens: 100, profile: { cookie: { sid: 'abc' } } },
      headers: [{ 'X-Api-Key': 'abc', accept: 'json' }],
      note: 'paid with 4111 1111 1111 1111',
      count: 3,
      ok: true,
      empty: null,
    };
    const copy = structuredClone(input);
    const out = redactor.value(input) as typeof input & Record<string, unknown>;
    assert.deepEqual(input, copy);
    assert.match(out.user.email, /^\[REDACTED:email:/);
    assert.match(out.user.password as string, /^\[REDACTED:denied-key:/);
    assert.equal(out.user.max_tokens, 100);
    assert.match(String(out.user.profile.cookie), /^\[REDACTED:denied-key:/);
    assert.match(out.headers[0]!['X-Api-Key'], /^\[REDACTED:denied-key:/);
    assert.equal(out.headers[0]!.accept, 'json');
    assert.match(out.note, /\[REDACTED:card-number:/);
    assert.deepEqual([out.count, out.ok, out.empty], [3, true, null]);
  });

  test('B4: an error is reported with its message and stack redacted', () => {
    const error = Object.assign(new Error('signup failed for ada@example.com'), { code: 'E_SIGNUP', password: 'hunter2' });
    const out = redactor.value({ err: error }).err as unknown as Record<string, string>;
    assert.equal(out.name, 'Error');
    assert.match(out.message!, /^signup failed for \[REDACTED:email:[0-9a-f]{8}\]$/);
    assert.ok(!out.stack!.includes('ada@example.com'));
    assert.equal(out.code, 'E_SIGNUP');
    assert.match(out.password!, /^\[REDACTED:denied-key:/);
  });

  test('cycles, depth, binary data and functions do not break it', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    let deep: Record<string, unknown> = { leaf: 'ada@example.com' };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    const out = redactor.value({ a, deep, bytes: Buffer.from('secret bytes'), fn: () => 1 }) as Record<string, unknown>;
    assert.equal((out.a as Record<string, unknown>).self, '[Circular]');
    assert.ok(JSON.stringify(out.deep).includes('[Truncated]'));
    assert.equal(out.bytes, '[binary 12 bytes]');
    assert.equal(out.fn, undefined);
  });

  test('A5: the deny-list is configurable (the policy adds keys) and custom patterns add kinds', () => {
    const custom = createRedactor({ tagKey, denyKeys: ['internal_ref'], patterns: [{ name: 'ticket-token', pattern: 'TT-[0-9]{6}' }] });
    const out = custom.value({ internal_ref: 'R-1', note: 'see TT-123456' }) as Record<string, string>;
    assert.match(out.internal_ref!, /^\[REDACTED:denied-key:/);
    assert.match(out.note!, /^see \[REDACTED:ticket-token:[0-9a-f]{8}\]$/);
    assert.throws(() => createRedactor({ patterns: [{ name: 'bad', pattern: '(a+)+$' }] }), (e: Error & { code?: string }) => e.code === 'ERR_CONFIG_INVALID');
    assert.throws(() => createRedactor({ patterns: [{ name: 'bad', pattern: '([' }] }), (e: Error & { code?: string }) => e.code === 'ERR_CONFIG_INVALID');
  });

  test('personal data can be left alone where a policy allows it; secrets never are', () => {
    const secretsOnly = createRedactor({ tagKey, personalData: false });
    assert.equal(secretsOnly.string('mail ada@example.com'), 'mail ada@example.com');
    assert.match(secretsOnly.string('DB_PASSWORD=hunter2-correct'), /REDACTED:password-assignment/);
  });
});

function checksum(body: string): string {
  // Mirrors GitHub's published scheme, independently of the library's code path.
  const table = new Uint32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const ch of Buffer.from(body)) crc = table[(crc ^ ch) & 0xff]! ^ (crc >>> 8);
  let n = (crc ^ 0xffffffff) >>> 0;
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = alphabet[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
