import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PATHS } from '@custodian/server';
import { renderSecurityTxt } from '../../src/pages/security-txt.js';
import { testPolicy } from '../helpers/policy.js';
import { testServer } from '../helpers/server.js';

/** RFC 9116 §4: `field-name ":" OWS value` on one line; we also require a non-empty value. */
const FIELD = /^([A-Za-z0-9-]+): (\S(?:.*\S)?)$/;
const KNOWN = new Set(['Acknowledgments', 'Canonical', 'Contact', 'Encryption', 'Expires', 'Hiring', 'Policy', 'Preferred-Languages']);

function parse(body: string): Array<[string, string]> {
  assert.ok(body.endsWith('\n'), 'the last line ends with a line break');
  return body
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = FIELD.exec(line);
      assert.ok(m, `line is a field: ${line}`);
      return [m[1]!, m[2]!];
    });
}

describe('security.txt', () => {
  test('C24: RFC 9116 fields, a Contact and an Expires in the future and within a year', async () => {
    const { app } = await testServer();
    const before = Date.now();
    const res = await app.inject({ url: PATHS.securityTxt });
    await app.close();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    const fields = parse(res.body);
    for (const [name] of fields) assert.ok(KNOWN.has(name), `${name} is an RFC 9116 field`);
    const get = (name: string) => fields.filter(([n]) => n === name).map(([, v]) => v);
    assert.deepEqual(get('Contact'), ['mailto:security@hiring.example']);
    const expires = get('Expires');
    assert.equal(expires.length, 1, 'Expires appears exactly once (§2.5.5)');
    assert.match(expires[0]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'an RFC 3339 date-time in UTC');
    const at = Date.parse(expires[0]!);
    assert.ok(at > before, 'in the future');
    assert.ok(at <= before + 366 * 86_400_000, 'within a year');
    assert.deepEqual(get('Canonical'), ['https://hiring.example/.well-known/security.txt']);
    assert.deepEqual(get('Preferred-Languages'), ['en, de']);
    assert.deepEqual(get('Policy'), ['https://hiring.example/security/disclosure']);
    assert.deepEqual(get('Acknowledgments'), ['https://hiring.example/security/thanks']);
    assert.deepEqual(get('Hiring'), [], 'fields the policy leaves out are left out');
  });

  test('C24: Expires is the clock plus contacts.security.expiresAfter, which the policy keeps within a year', async () => {
    const now = new Date('2026-02-01T08:30:15.250Z');
    const { app } = await testServer({ now: () => now });
    const expires = parse((await app.inject({ url: PATHS.securityTxt })).body).find(([n]) => n === 'Expires')?.[1];
    await app.close();
    assert.equal(expires, '2026-07-31T08:30:15Z', '180 days later');
    const year = testPolicy((p) => (p.contacts!.security.expiresAfter = '1y'));
    assert.equal(parse(renderSecurityTxt(year, now)).find(([n]) => n === 'Expires')?.[1], '2027-02-01T08:30:15Z');
    assert.throws(() => testPolicy((p) => (p.contacts!.security.expiresAfter = '2y')), /problem/);
  });

  test('C24: every optional field the policy sets is published, with Canonical at the site root', () => {
    const policy = testPolicy((p) => {
      p.organization!.url = 'https://hiring.example/company/about';
      Object.assign(p.contacts!.security, {
        url: 'https://hiring.example/report',
        encryption: 'https://hiring.example/pgp.asc',
        hiring: 'https://hiring.example/jobs',
      });
    });
    const fields = parse(renderSecurityTxt(policy, new Date()));
    assert.deepEqual(
      fields.map(([n]) => n),
      ['Contact', 'Contact', 'Expires', 'Encryption', 'Acknowledgments', 'Preferred-Languages', 'Canonical', 'Policy', 'Hiring'],
    );
    assert.ok(fields.some(([n, v]) => n === 'Canonical' && v === 'https://hiring.example/.well-known/security.txt'));
  });

  test('a value with a line break cannot add a field of its own', () => {
    const policy = testPolicy();
    const forged = structuredClone({ ...policy }) as typeof policy;
    (forged.contacts.security as { policy?: string }).policy = 'https://hiring.example/p\nContact: mailto:attacker@evil.example';
    (forged.contacts.security as { preferredLanguages: string[] }).preferredLanguages = ['en\nHiring: https://evil.example'];
    const names = parse(renderSecurityTxt(forged, new Date())).map(([n]) => n);
    assert.deepEqual(names, ['Contact', 'Expires', 'Acknowledgments', 'Canonical', 'Policy'], 'no forged Contact or Hiring field');
  });
});
