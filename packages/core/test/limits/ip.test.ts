import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientKey, NetworkMatcher, parseAddress, parseNetwork, type Network } from '@custodian/core/limits';

const net = (text: string): Network => {
  const n = parseNetwork(text);
  if ('error' in n) throw new Error(`${text}: ${n.error}`);
  return n;
};

test('C21: an IPv6 client is limited by its /64, an IPv4 client by its address', () => {
  assert.equal(clientKey('2001:db8:aa:bb:1:2:3:4'), '2001:db8:aa:bb::/64');
  assert.equal(clientKey('2001:db8:aa:bb:ffff:ffff:ffff:ffff'), '2001:db8:aa:bb::/64');
  assert.equal(clientKey('2001:0DB8:00aa:00bb::9'), '2001:db8:aa:bb::/64');
  assert.notEqual(clientKey('2001:db8:aa:bc::1'), clientKey('2001:db8:aa:bb::1'));
  assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
  assert.notEqual(clientKey('203.0.113.7'), clientKey('203.0.113.8'));
  // A dual-stack socket reports IPv4 clients as mapped IPv6: the same key either way.
  assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
  // No address (or garbage) is one shared key, limited rather than free.
  assert.equal(clientKey(undefined), 'unknown');
  assert.equal(clientKey('not-an-ip'), 'unknown');
});

test('C21: every address in one /64 gets the same key, whatever its spelling (property)', () => {
  const word = fc.integer({ min: 0, max: 0xffff });
  fc.assert(
    fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), fc.array(word, { minLength: 4, maxLength: 4 }), (a, tail) => {
      const full = a.map((w) => w.toString(16)).join(':');
      const padded = a.map((w) => w.toString(16).padStart(4, '0').toUpperCase()).join(':');
      const sibling = [...a.slice(0, 4), ...tail].map((w) => w.toString(16)).join(':');
      assert.equal(clientKey(full), clientKey(padded));
      assert.equal(clientKey(full), clientKey(sibling));
      assert.deepEqual(parseAddress(full), { family: 6, words: a });
    }),
    { seed: 9, numRuns: 500 },
  );
});

test('C22: networks are parsed to canonical text, and malformed or over-wide ones refused with a reason', () => {
  assert.equal(net('203.0.113.7').text, '203.0.113.7/32');
  assert.equal(net('203.0.113.77/24').text, '203.0.113.0/24');
  assert.equal(net('2001:db8:0:0:1::1/48').text, '2001:db8::/48');
  assert.equal(net('2001:DB8::1').text, '2001:db8::1/128');
  assert.equal(net('::ffff:198.51.100.0/120').text, '198.51.100.0/24');
  for (const bad of ['', 'x', '203.0.113', '203.0.113.7/33', '203.0.113.7/-1', '2001:db8::/129', '1.2.3.4/abc', '256.1.1.1', '1.2.3.4 /24']) {
    assert.ok('error' in parseNetwork(bad), bad);
  }
  // Blocking most of the internet by a typo is refused.
  assert.match((parseNetwork('0.0.0.0/0') as { error: string }).error, /wider than \/8/);
  assert.match((parseNetwork('2000::/3') as { error: string }).error, /wider than \/16/);
});

test('C22: the matcher finds an address in any listed network, and nothing else', () => {
  const m = new NetworkMatcher<string>();
  m.add(net('203.0.113.7'), 'one');
  m.add(net('198.51.100.0/24'), 'v4-range');
  m.add(net('2001:db8:1::/48'), 'v6-range');
  m.add(net('2001:db8:2::5'), 'v6-one');
  m.add(net('10.0.0.0/9'), 'odd-prefix');
  assert.equal(m.match('203.0.113.7'), 'one');
  assert.equal(m.match('::ffff:203.0.113.7'), 'one');
  assert.equal(m.match('203.0.113.8'), undefined);
  assert.equal(m.match('198.51.100.255'), 'v4-range');
  assert.equal(m.match('198.51.101.0'), undefined);
  assert.equal(m.match('2001:db8:1:ffff::1'), 'v6-range');
  assert.equal(m.match('2001:db8:2::5'), 'v6-one');
  assert.equal(m.match('2001:db8:2::6'), undefined);
  assert.equal(m.match('10.127.255.255'), 'odd-prefix');
  assert.equal(m.match('10.128.0.0'), undefined);
  assert.equal(m.match('garbage'), undefined);
  assert.equal(m.size, 5);
});

test('C22: matching agrees with a bit-by-bit reference on random IPv4 networks and addresses (property)', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const fmt = (w: number) => `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  fc.assert(
    fc.property(u32, fc.integer({ min: 8, max: 32 }), u32, (base, prefix, probe) => {
      const m = new NetworkMatcher<true>();
      m.add(net(`${fmt(base)}/${prefix}`), true);
      const shift = 32 - prefix;
      const inside = shift === 32 ? true : base >>> shift === probe >>> shift;
      assert.equal(m.match(fmt(probe)) === true, inside);
      assert.equal(m.match(fmt(base)), true);
    }),
    { seed: 4, numRuns: 2000 },
  );
});

test('C22: IPv6 text is parsed strictly, and IPv4-mapped addresses read as IPv4 however they are written', () => {
  for (const bad of ['1:::2', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '12345::', 'g::1', '1:2:3:4:5:6:7:8:', '1:2:3:4:5:6:7', '::1.2.3', '::ffff:1.2.3.4:5', '1.2.3.4::']) {
    assert.equal(parseAddress(bad), null, bad);
  }
  assert.deepEqual(parseAddress('::'), { family: 6, words: [0, 0, 0, 0, 0, 0, 0, 0] });
  assert.deepEqual(parseAddress('fe80::1%eth0'), { family: 6, words: [0xfe80, 0, 0, 0, 0, 0, 0, 1] });
  assert.deepEqual(parseAddress('64:ff9b::198.51.100.1'), { family: 6, words: [0x64, 0xff9b, 0, 0, 0, 0, 0xc633, 0x6401] });
  const v4 = parseAddress('203.0.113.7');
  assert.deepEqual(parseAddress('::FFFF:cb00:7107'), v4);
  assert.deepEqual(parseAddress('0:0:0:0:0:ffff:203.0.113.7'), v4);
  assert.equal(clientKey('::ffff:cb00:7107'), '203.0.113.7');
});

test('C22: an expired entry does not hide another entry that still covers the address', () => {
  const m = new NetworkMatcher<{ until: number }>();
  m.add(net('203.0.113.7'), { until: 100 });
  m.add(net('203.0.113.0/24'), { until: 200 });
  const live = (now: number) => (v: { until: number }) => v.until > now;
  assert.equal(m.match('203.0.113.7', live(150))?.until, 200);
  assert.equal(m.match('203.0.113.7', live(50)) !== undefined, true);
  assert.equal(m.match('203.0.113.7', live(250)), undefined);
});

test('C22: a mapped address written without a prefix is the one IPv4 address', () => {
  assert.equal(net('::ffff:203.0.113.9').text, '203.0.113.9/32');
  assert.equal(net('::ffff:cb00:7109').text, '203.0.113.9/32');
  assert.match((parseNetwork('::ffff:203.0.113.9/64') as { error: string }).error, /wider than IPv4/);
});
