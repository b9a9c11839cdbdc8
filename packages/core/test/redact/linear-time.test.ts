import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor } from '@custodian/core/redact';

const redactor = createRedactor({ tagKey: new Uint8Array(32) });

/**
 * Inputs built to make a backtracking pattern or a per-finding loop work
 * hard: each is a short unit repeated to the size asked for.
 */
const ADVERSARIAL: Record<string, string> = {
  'trigger keywords back to back': 'sk-ant-gh_AKIAxoxeyJ://@?&;password secret token key ',
  'almost an Anthropic key': 'sk-ant-api03-' + 'A'.repeat(19) + ' ',
  'BEGIN without END': '-----BEGIN PRIVATE KEY-----MIIE',
  'long base64 after BEGIN': '-----BEGIN PRIVATE KEY-----' + 'QUJD'.repeat(20),
  'local parts without domains': 'a.b.c.d.e.f.g.h@',
  'emails and markers interleaved': 'ada@example.com [REDACTED:email:0123abcd] ',
  'password assignments without values': 'password=password=password=',
  'name-like runs before an assignment': 'api_key_api_key_api_key_api_key_api_key_api_key=',
  'digits and separators': '4111 1111 1111 111-',
  'phone-like runs': '+1 415 555 +44 20 (415) ',
  'URL schemes without @': 'https://user:pass' + ':x'.repeat(10),
  'query parameters': '?token=&api_key=&password=&',
  'JWT-like segments': 'eyJhbGciOiJIUzI1NiJ9.eyJ',
  'a single long token': 'Z',
};

/** Best of five, in ms: the minimum is what the work costs, the rest is the machine's other load. */
function timeOf(text: string): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    redactor.string(text);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

const fill = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);

test('A5: no catastrophic backtracking — time grows linearly with input up to 1 MB for every adversarial shape', () => {
  const report: string[] = [];
  for (const [name, unit] of Object.entries(ADVERSARIAL)) {
    const small = timeOf(fill(unit, 128 * 1024));
    const large = timeOf(fill(unit, 1024 * 1024));
    report.push(`${name.padEnd(40)} 128 KB ${small.toFixed(1).padStart(7)} ms   1 MB ${large.toFixed(1).padStart(7)} ms`);
    // 8x the input: linear is about 8x the time, quadratic 64x. The margin (24x) and the floor
    // (250 ms, where a busy machine's pauses dominate a fast shape) absorb noise; catastrophic
    // backtracking still fails by far, and the absolute bound below catches the rest.
    assert.ok(large <= Math.max(24 * small, 250), `${name}: 128 KB took ${small.toFixed(1)} ms, 1 MB took ${large.toFixed(1)} ms`);
    assert.ok(large < 3000, `${name}: 1 MB took ${large.toFixed(0)} ms`);
  }
  console.log(report.join('\n'));
});
