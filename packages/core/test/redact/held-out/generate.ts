// Generates held-out.jsonl: a labelled corpus for the redaction engine that the engine was
// never tuned on (see README.md). Same JSONL format and labelling rules as ../corpus/README.md.
// Seeded, so the output is byte-identical on every run:
//
//   node --import tsx packages/core/test/redact/held-out/generate.ts
//
// Every value is random fake data drawn here; emails are on example.com/.org/.net and reserved
// names (.test, .example), phone numbers are in the ranges set aside for fiction.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Label {
  kind: string;
  value: string;
  alsoAccept?: string[];
}
interface Line {
  text: string;
  secrets: Label[];
  note: string;
}

// ---------------------------------------------------------------- randomness

const SEED = 0x4e1d0a7;
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const int = (n: number) => Math.floor(rand() * n);
const between = (lo: number, hi: number) => lo + int(hi - lo + 1);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const str = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
const pad = (n: number, w: number) => String(n).padStart(w, '0');

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const B62 = DIGITS + UPPER + LOWER;
const HEX = '0123456789abcdef';
const B64URL = UPPER + LOWER + DIGITS + '-_';
const B64 = UPPER + LOWER + DIGITS + '+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const UPD = UPPER + DIGITS;
const POD = 'bcdfghjklmnpqrstvwxz2456789';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const randBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

// ---------------------------------------------------------------- noise

const ts = () => `2026-${pad(between(9, 11), 2)}-${pad(between(1, 28), 2)}T${pad(int(24), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}.${pad(int(1000), 3)}Z`;
const ghTs = () => `2026-11-${pad(between(1, 27), 2)}T${pad(int(24), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}.${pad(int(1e7), 7)}Z`;
const clf = () => `${pad(between(1, 27), 2)}/Nov/2026:${pad(int(24), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)} +0000`;
const sysTs = () => `Nov ${pad(between(1, 27), 2)} ${pad(int(24), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}`;
const ip = () => pick([`10.${int(256)}.${int(256)}.${between(1, 254)}`, `192.0.2.${between(1, 254)}`, `198.51.100.${between(1, 254)}`, `203.0.113.${between(1, 254)}`]);
const uuid = () => `${str(HEX, 8)}-${str(HEX, 4)}-4${str(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${str(HEX, 3)}-${str(HEX, 12)}`;
const app = () => pick(['api', 'billing', 'worker', 'gateway', 'auth', 'ingest', 'notifier', 'search', 'checkout', 'scheduler']);
const pod = (a = app()) => `${a}-${str(LOWER.slice(0, 6) + '56789', 9)}-${str(POD, 5)}`;
const ua = () => pick(['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 'curl/8.7.1', 'python-requests/2.32.3', 'Go-http-client/2.0', 'okhttp/4.12.0', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'kube-probe/1.31']);
const ms = () => `${between(1, 2400)}`;
const epoch = () => `${between(1793000000, 1796000000)}.${pad(int(1e6), 6)}`;
const level = () => pick(['INFO', 'WARN', 'ERROR', 'DEBUG']);
const path = () => pick(['/v1/orders', '/api/users/me', '/healthz', '/v2/invoices/export', '/graphql', '/api/v3/projects/812/members', '/oauth/token', '/webhooks/stripe', '/static/app.3f9c1e.js']);
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ';

// ---------------------------------------------------------------- value formats

const CRC_TABLE = (() => {
  const t: number[] = [];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t.push(c >>> 0);
  }
  return t;
})();
function crc32(s: string): number {
  let c = 0xffffffff;
  for (const ch of Buffer.from(s)) c = CRC_TABLE[(c ^ ch) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function base62(n: number, width: number): string {
  let out = '';
  do {
    out = B62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

const V = {
  anthropic: () => (int(8) === 0 ? `sk-ant-admin01-${str(B64URL, 93)}AA` : `sk-ant-api03-${str(B64URL, 93)}AA`),
  openai: () =>
    pick([
      () => `sk-${str(B62, 20)}T3BlbkFJ${str(B62, 20)}`,
      () => `sk-proj-${str(B64URL, 74)}T3BlbkFJ${str(B64URL, 74)}`,
      () => `sk-proj-${str(B62, 48)}`,
      () => `sk-svcacct-${str(B64URL, 74)}T3BlbkFJ${str(B64URL, 74)}`,
      () => `sk-admin-${str(B64URL, 60)}T3BlbkFJ${str(B64URL, 60)}`,
    ])(),
  github: (prefix?: string) => {
    const p = prefix ?? pick(['ghp', 'ghp', 'ghp', 'gho', 'ghu', 'ghs', 'ghr', 'github_pat']);
    if (p === 'github_pat') return `github_pat_11${str(UPD, 20)}_${str(B62, 59)}`;
    const body = str(B62, 30);
    return `${p}_${body}${base62(crc32(body), 6)}`;
  },
  awsId: () => `${pick(['AKIA', 'AKIA', 'ASIA'])}${str(B32, 16)}`,
  awsSecret: () => str(B62 + '/+', 40),
  stripe: () =>
    pick([
      () => `sk_live_${str(B62, 24)}`,
      () => `sk_live_51${str(B62, 97)}`,
      () => `sk_test_51${str(B62, 97)}`,
      () => `rk_live_51${str(B62, 97)}`,
      () => `rk_test_${str(B62, 24)}`,
      () => `whsec_${str(B62, 32)}`,
    ])(),
  slack: () =>
    pick([
      () => `xoxb-${between(1, 9)}${str(DIGITS, 11)}-${str(DIGITS, 13)}-${str(B62, 24)}`,
      () => `xoxp-${between(1, 9)}${str(DIGITS, 11)}-${str(DIGITS, 12)}-${str(DIGITS, 13)}-${str(HEX, 32)}`,
      () => `xapp-1-A${str(UPD, 10)}-${str(DIGITS, 13)}-${str(HEX, 64)}`,
      () => `xoxe.xoxp-1-${str(B62, 140)}`,
      () => `xoxs-${between(1, 9)}${str(DIGITS, 11)}-${str(DIGITS, 12)}-${str(DIGITS, 13)}-${str(HEX, 64)}`,
    ])(),
  webhook: () => `https://hooks.slack.com/services/T${str(UPD, pick([8, 10]))}/B${str(UPD, pick([8, 10]))}/${str(B62, 24)}`,
  google: () => `AIza${str(B64URL, 35)}`,
  bearer: () =>
    pick([
      () => str(HEX, 40),
      () => str(HEX, 64),
      () => str(B64URL, 43),
      () => `ya29.${str(B64URL, 150)}`,
      () => `${str(B62, 8)}.${str(B62, 32)}`,
      () => `pat_${str(B62, 40)}`,
    ])(),
  jwt: (alg = pick(['HS256', 'RS256', 'ES256', 'RS512', 'EdDSA'])) => {
    const header: Record<string, string> = { alg, typ: 'JWT' };
    if (alg !== 'HS256') header.kid = str(B64URL, 22);
    if (int(5) === 0) delete header.typ;
    const now = between(1793000000, 1796000000);
    const payload: Record<string, unknown> = pick([
      { sub: String(between(1000, 999999)), iat: now, exp: now + 3600 },
      { iss: 'https://auth.example.com/', sub: `auth0|${str(HEX, 24)}`, aud: 'https://api.example.com', iat: now, exp: now + 86400, scope: 'read:orders write:orders' },
      { iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:prod:deployer', aud: ['https://kubernetes.default.svc'], exp: now + 3600, iat: now },
      { uid: between(1, 99999), role: 'admin', sid: uuid(), iat: now },
      { iss: 'https://token.actions.githubusercontent.com', repository: 'example-org/api', ref: 'refs/heads/main', aud: 'sts.amazonaws.com', exp: now + 300 },
    ]);
    const sigLen = alg === 'HS256' ? 32 : alg === 'ES256' || alg === 'EdDSA' ? 64 : alg === 'RS512' ? 512 : 256;
    return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(randBytes(sigLen))}`;
  },
  pem: (type = pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY'])) => {
    const start: Record<string, string> = {
      'RSA PRIVATE KEY': 'MIIEowIBAAKCAQEA',
      'PRIVATE KEY': pick(['MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'MC4CAQAwBQYDK2VwBCIEI']),
      'EC PRIVATE KEY': 'MHcCAQEEI',
      'OPENSSH PRIVATE KEY': 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAA',
      'ENCRYPTED PRIVATE KEY': 'MIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQwwDgQI',
      'DSA PRIVATE KEY': 'MIIBuwIBAAKBgQD',
    };
    const short = type === 'EC PRIVATE KEY' || start[type]!.startsWith('MC4');
    const body = start[type]! + str(B64, short ? between(40, 140) : between(600, 1500));
    const lines = body.match(new RegExp(`.{1,${type === 'OPENSSH PRIVATE KEY' ? 70 : 64}}`, 'g'))!;
    return `-----BEGIN ${type}-----\n${lines.join('\n')}${short ? '==' : ''}\n-----END ${type}-----`;
  },
  user: () => pick(['app', 'svc_billing', 'deploy', 'admin', 'postgres', 'root', 'reporting_ro', 'ci-bot', 'etl', 'grafana', 'jenkins', 'mq_user']),
  password: () =>
    pick([
      () => str(B62, between(14, 24)),
      () => `${str(B62, 6)}-${str(B62, 6)}-${str(B62, 6)}`,
      () => `${pick(['Winter', 'Summer', 'Autumn', 'Falcon', 'Orange', 'Mustang', 'Quartz'])}${between(10, 2026)}${pick(['!', '#', '$', '*', ''])}`,
      () => pick(['changeme', 'hunter2', 'P@ssw0rd', 'letmein', 'admin123', 'Passw0rd!', 'qwerty123', 's3cr3t', 'correct-horse-battery-staple', 'postgres']),
      () => str(B62 + '!#$%^*_+=-', between(16, 28)),
    ])(),
  /** Password safe inside a URL, a shell word and a quoted string. */
  urlPassword: () => pick([() => str(B62, between(12, 24)), () => `${str(B62, 8)}-${str(B62, 8)}`, () => `${str(B62, 10)}%21${str(B62, 4)}`, () => pick(['changeme', 'hunter2', 's3cr3t', 'postgres'])])(),
  secret: () =>
    pick([
      () => str(HEX, 32),
      () => str(HEX, 40),
      () => str(HEX, 64),
      () => str(B62, between(32, 48)),
      () => `${str(B64, 42)}==`.replace(/^[+/]/, 'Q'),
      () => str(B64URL, 43).replace(/^[-_]/, 'k'),
    ])(),
  email: () => {
    const first = pick(['alice', 'bob', 'carol', 'dmitri', 'yuki', 'maria', 'oluwaseun', 'priya', 'juergen', 'fatima', 'li.wei', 'sven', 'amelie', 'rahul', 'noor', 'kenji', 'zoe', 'mateo']);
    const last = pick(['smith', 'tanaka', 'garcia', 'okafor', 'mueller', 'nguyen', 'kowalski', 'silva', 'haddad', 'o.brien', 'ivanova', 'chen', 'patel', 'dubois']);
    const local = pick([`${first}.${last}`, `${first[0]}${last}`, `${first}+${pick(['billing', 'test', 'news', 'ci'])}`, `${first}_${last}${between(1, 99)}`, `${first.toUpperCase()}.${last}`, `${first}`, `${last}-${first}`]).replace(/\.\./g, '.');
    return `${local}@${pick(['example.com', 'example.org', 'example.net', 'mail.example.com', 'eu.example.org', 'corp.example', 'acme.test', 'shop.example.net', 'students.example.org'])}`;
  },
  card: () => {
    const brand = pick([
      () => ['4', pick([16, 16, 16, 13, 19])] as const,
      () => [String(between(51, 55)), 16] as const,
      () => [String(between(2221, 2720)), 16] as const,
      () => [pick(['34', '37']), 15] as const,
      () => [pick(['6011', '65', String(between(644, 649))]), 16] as const,
      () => [String(between(3528, 3589)), 16] as const,
      () => [pick(['36', '38', String(between(300, 305))]), 14] as const,
      () => ['62', pick([16, 16, 19])] as const,
    ])();
    return luhnComplete(brand[0] + str(DIGITS, brand[1] - brand[0].length - 1));
  },
  ssn: () => {
    let area = between(1, 899);
    if (area === 666) area = 665;
    return [pad(area, 3), pad(between(1, 99), 2), pad(between(1, 9999), 4)] as const;
  },
};

function luhnComplete(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return partial + String((10 - (sum % 10)) % 10);
}
function groupCard(n: string, sep = pick([' ', ' ', '-', ''])): string {
  const groups: Record<number, number[]> = { 13: [4, 4, 5], 14: [4, 6, 4], 15: [4, 6, 5], 16: [4, 4, 4, 4], 17: [4, 4, 4, 5], 18: [4, 4, 4, 6], 19: [4, 4, 4, 4, 3] };
  const out: string[] = [];
  let at = 0;
  for (const g of groups[n.length]!) {
    out.push(n.slice(at, at + g));
    at += g;
  }
  return out.join(sep);
}
function ssnText(sep = pick(['-', '-', '-', ' ', ''])): string {
  return V.ssn().join(sep);
}
const US_AREAS = [201, 202, 206, 212, 213, 303, 305, 312, 404, 415, 480, 503, 512, 617, 646, 702, 718, 773, 808, 917, 971, 800, 888];
function phone(): string {
  const a = pick(US_AREAS);
  const sub = `01${pad(int(100), 2)}`;
  return pick([
    () => `(${a}) 555-${sub}`,
    () => `${a}-555-${sub}`,
    () => `${a}.555.${sub}`,
    () => `+1 ${a} 555 ${sub}`,
    () => `+1${a}555${sub}`,
    () => `+1-${a}-555-${sub}`,
    () => `+1 (${a}) 555-${sub}`,
    () => `+44 20 7946 0${str(DIGITS, 3)}`,
    () => `020 7946 0${str(DIGITS, 3)}`,
    () => `+44 7700 900${str(DIGITS, 3)}`,
    () => `07700 900${str(DIGITS, 3)}`,
    () => `+447700900${str(DIGITS, 3)}`,
    () => `0${pick(['113', '114', '115', '116', '117', '118', '121', '131', '141', '151', '161'])} 496 0${str(DIGITS, 3)}`,
    () => `+44 ${pick(['113', '121', '161'])} 496 0${str(DIGITS, 3)}`,
    () => `+61 491 570 1${str(DIGITS, 2)}`,
    () => `+33 6 39 98 ${str(DIGITS, 2)} ${str(DIGITS, 2)}`,
  ])();
}

// ---------------------------------------------------------------- line building

const out: Line[] = [];
let labels: Label[] = [];
/** Labels value as kind (accepting also) on the line being built, and returns it. */
function L(kind: string, value: string, also: string[] = []): string {
  if (!labels.some((l) => l.kind === kind && l.value === value)) labels.push({ kind, value, ...(also.length > 0 ? { alsoAccept: also } : {}) });
  return value;
}
/** A short value (a weak password, say) that also occurs elsewhere in its text would label more than the secret. */
function ambiguous(text: string): boolean {
  return labels.some((l) => l.value.length < 12 && text.indexOf(l.value) !== text.lastIndexOf(l.value));
}
/** Builds a line with make(), drawing again while a short label is ambiguous. */
function line(make: () => string, note: string): void {
  for (;;) {
    labels = [];
    const text = make();
    if (!ambiguous(text)) return emit(text, note);
  }
}
function emit(text: string, note: string): void {
  for (const l of labels) if (!text.includes(l.value)) throw new Error(`label ${l.kind} ${l.value} not in its text: ${text}`);
  out.push({ text, secrets: labels, note });
  labels = [];
}
const nameAccepts = (name: string) => {
  const n = name.toLowerCase();
  return ['generic-secret', ...(/pass|pwd|secret/.test(n) ? ['password-assignment'] : [])];
};

type Ctx = (v: (arg?: string) => string) => string;
/** Runs each template in turn, n lines in all, each with fresh values. */
function run(note: string, n: number, templates: Ctx[], value: (arg?: string) => string): void {
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length]!;
    line(() => t(value), `${note} #${(i % templates.length) + 1}`);
  }
}

// ------------------------------------------------ vendor keys: shared contexts

interface Vendor {
  kind: string;
  env: string[];
  make: () => string;
}
function vendorContexts(vd: Vendor): ((v: string) => string)[] {
  const k = vd.kind;
  const named = (name: string, v: string) => L(k, v, nameAccepts(name));
  const own = (v: string) => L(k, v);
  return [
    (v) => { const e = pick(vd.env); return `${e}=${named(e, v)}`; },
    (v) => { const e = pick(vd.env); return `${app()}-1  | ${ts()} ${level()} loaded settings {"${e.toLowerCase()}": "${named(e, v)}", "region": "eu-west-1", "pool": ${between(2, 32)}}`; },
    (v) => { const e = pick(vd.env); return `${ghTs()} ##[group]Run ./scripts/deploy.sh\n${ghTs()} ./scripts/deploy.sh\n${ghTs()} shell: /usr/bin/bash -e {0}\n${ghTs()} env:\n${ghTs()}   ${e}: ${named(e, v)}\n${ghTs()}   NODE_VERSION: 20.18.1\n${ghTs()} ##[endgroup]`; },
    (v) => { const e = pick(vd.env); return `Containers:\n  ${app()}:\n    Image:          registry.example.com/platform/${app()}:v2.${between(0, 30)}.${between(0, 9)}\n    Environment:\n      PORT:             8080\n      ${e}:  ${named(e, v)}\n      LOG_LEVEL:        info`; },
    (v) => `{"type":"message","channel":"C0${str(UPD, 8)}","user":"U0${str(UPD, 8)}","text":"here is the new key for staging ${own(v)} - old one revoked","ts":"${epoch()}"}`,
    (v) => pick([`Der Schlüssel ${own(v)} wurde versehentlich ins Repository eingecheckt, bitte sofort rotieren.`, `密钥 ${own(v)} 已经泄露，请立即轮换。`, `ключ ${own(v)} попал в лог, отзовите его`, `La clé ${own(v)} a été publiée par erreur.`, `このキー ${own(v)} を使ってください（ステージング用）`]),
    (v) => JSON.stringify({ event_id: str(HEX, 32), level: 'error', platform: 'node', breadcrumbs: [{ category: 'http', data: { url: `https://api.example.com${path()}`, method: 'GET', status_code: 401 } }, { category: 'console', message: `retrying with key ${own(v)}` }], tags: { release: `api@1.${between(0, 40)}.${between(0, 9)}` } }),
    (v) => { const e = pick(vd.env); return `          "attributes": {\n            "arn": "arn:aws:ssm:eu-west-1:${str(DIGITS, 12)}:parameter/prod/${e.toLowerCase()}",\n            "name": "/prod/${e.toLowerCase()}",\n            "type": "SecureString",\n            "value": "${own(v)}",\n            "version": ${between(1, 9)}\n          },`; },
    (v) => `${JSON.stringify({ ts: ts(), msg: 'request', items: Array.from({ length: 18 }, () => ({ id: uuid(), sku: `SKU-${str(UPD, 8)}`, qty: between(1, 9) })) }).slice(0, -1)},"note":"${FILLER.repeat(6)}","debug":"client init key=${L(k, v, ['generic-secret'])} ok"}`,
    (v) => { const e = pick(vd.env); return `docker run --rm -e ${e}=${named(e, v)} -p 8080:8080 ghcr.io/example-org/${app()}:sha-${str(HEX, 7)}`; },
    (v) => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "SET" "integrations:${between(1, 999)}:credential" "${own(v)}"`,
    (v) => `${ts().replace('T', ' ').replace('Z', ' UTC')} [${between(100, 99999)}] app@appdb LOG:  statement: UPDATE integrations SET api_key = '${L(k, v, ['generic-secret'])}', updated_at = now() WHERE id = ${between(1, 9999)}`,
    (v) => `${ip()} - - [${clf()}] "GET /v1/proxy?upstream=internal&key=${L(k, v, ['url-credentials', 'generic-secret'])} HTTP/1.1" 502 ${between(100, 900)} "-" "${ua()}" rt=${ms()}`,
    (v) => { const e = pick(vd.env); return `kubectl create secret generic ${app()}-env --from-literal=${e}=${named(e, v)} -n prod --dry-run=client -o yaml`; },
    (v) => `${sysTs()} ${pod()} ${app()}[${between(100, 40000)}]: [${level()}] ${pick(['upstream rejected', 'auth failed for', 'rate limited'])} credential ${own(v)} (${between(401, 403)})`,
  ];
}

const vendors: (Vendor & { extra: ((v: string) => string)[] })[] = [
  {
    kind: 'anthropic-key', env: ['ANTHROPIC_API_KEY', 'CLAUDE_API_KEY', 'LLM_API_KEY'], make: V.anthropic,
    extra: [
      (v) => `> :method: POST\n> :path: /v1/messages\n> :scheme: https\n> :authority: api.anthropic.com\n> anthropic-version: 2023-06-01\n> x-api-key: ${L('anthropic-key', v, ['generic-secret'])}\n> content-type: application/json`,
      (v) => `curl https://api.anthropic.com/v1/messages -H "x-api-key: ${L('anthropic-key', v, ['generic-secret'])}" -H "anthropic-version: 2023-06-01" -d @req.json`,
      (v) => `{"name":"x-api-key","value":"${L('anthropic-key', v, ['generic-secret'])}"},{"name":"anthropic-version","value":"2023-06-01"}`,
      (v) => `client = anthropic.Anthropic(api_key="${L('anthropic-key', v, ['generic-secret'])}")  # TODO move to env`,
    ],
  },
  {
    kind: 'openai-key', env: ['OPENAI_API_KEY', 'OPENAI_KEY', 'AZURE_OPENAI_KEY'], make: V.openai,
    extra: [
      (v) => `> authorization: Bearer ${L('openai-key', v, ['authorization-header'])}\n> openai-organization: org-${str(B62, 24)}`,
      (v) => `openai.error.AuthenticationError: Incorrect API key provided: ${L('openai-key', v)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      (v) => `{"request":{"method":"POST","url":"https://api.openai.com/v1/chat/completions","headers":[{"name":"Authorization","value":"Bearer ${L('openai-key', v, ['authorization-header', 'generic-secret'])}"}]}}`,
      (v) => `export OPENAI_API_KEY='${L('openai-key', v, ['generic-secret'])}' && python eval.py --model gpt-4o`,
    ],
  },
  {
    kind: 'github-token', env: ['GITHUB_TOKEN', 'GH_TOKEN', 'GH_PAT', 'RENOVATE_TOKEN'], make: () => V.github(),
    extra: [
      (v) => `${ghTs()} [command]/usr/bin/git remote add origin https://x-access-token:${L('github-token', v, ['url-credentials'])}@github.com/example-org/infra.git`,
      (v) => `machine github.com\n  login ci-bot\n  password ${L('github-token', v, ['password-assignment'])}`,
      (v) => `> GET /repos/example-org/api/actions/runs HTTP/1.1\n> Host: api.github.com\n> Authorization: token ${L('github-token', v, ['authorization-header'])}\n> Accept: application/vnd.github+json`,
      (v) => `//npm.pkg.github.com/:_authToken=${L('github-token', v, ['generic-secret'])}\n@example-org:registry=https://npm.pkg.github.com`,
      (v) => `go: downloading github.com/example-org/lib v0.14.2\nfatal: could not read from https://${L('github-token', v, ['url-credentials'])}@github.com/example-org/lib: 403`,
    ],
  },
  {
    kind: 'aws-access-key-id', env: ['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY'], make: V.awsId,
    extra: [
      (v) => `https://example-exports.s3.eu-west-1.amazonaws.com/reports/2026-11.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${L('aws-access-key-id', v, ['url-credentials'])}%2F20261127%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T101500Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=${L('url-credentials', str(HEX, 64))}`,
      (v) => `An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid. AccessKeyId: ${L('aws-access-key-id', v)}`,
      (v) => `aws configure set aws_access_key_id ${L('aws-access-key-id', v, ['generic-secret'])} --profile ${pick(['prod', 'staging', 'ci'])}`,
      (v) => `provider "aws" {\n  region     = "eu-west-1"\n  access_key = "${L('aws-access-key-id', v, ['generic-secret'])}"\n}`,
      (v) => `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA${str(B32, 17)}","accessKeyId":"${L('aws-access-key-id', v)}","userName":"ci-deployer"},"eventSource":"s3.amazonaws.com","eventName":"PutObject","sourceIPAddress":"${ip()}"}`,
    ],
  },
  {
    kind: 'stripe-key', env: ['STRIPE_SECRET_KEY', 'STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_KEY'], make: V.stripe,
    extra: [
      (v) => `curl https://api.stripe.com/v1/payment_intents -u ${L('stripe-key', v, ['authorization-header', 'url-credentials', 'password-assignment'])}: -d amount=2000 -d currency=eur`,
      (v) => `[${ts()}] production.ERROR: Stripe\\Exception\\AuthenticationException: Invalid API Key provided: ${L('stripe-key', v)} in /var/www/html/vendor/stripe/stripe-php/lib/Exception/ApiErrorException.php:38`,
      (v) => `config :stripity_stripe, api_key: "${L('stripe-key', v, ['generic-secret'])}"`,
      (v) => `Stripe.api_key = '${L('stripe-key', v, ['generic-secret'])}'\nStripe.api_version = '2024-06-20'`,
      (v) => `> authorization: Bearer ${L('stripe-key', v, ['authorization-header'])}\n> stripe-version: 2024-06-20\n> idempotency-key: ${uuid()}`,
    ],
  },
  {
    kind: 'slack-token', env: ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_TOKEN'], make: V.slack,
    extra: [
      (v) => `> POST /api/chat.postMessage HTTP/2\n> Host: slack.com\n> Authorization: Bearer ${L('slack-token', v, ['authorization-header'])}\n> Content-Type: application/json; charset=utf-8`,
      (v) => `slack_sdk.errors.SlackApiError: The request to the Slack API failed. (url: https://www.slack.com/api/conversations.list, token: ${L('slack-token', v, ['generic-secret'])})\nThe server responded with: {'ok': False, 'error': 'invalid_auth'}`,
      (v) => `https://slack.com/api/users.info?token=${L('slack-token', v, ['url-credentials', 'generic-secret'])}&user=U0${str(UPD, 8)}&pretty=1`,
      (v) => `app = App(token="${L('slack-token', v, ['generic-secret'])}", signing_secret=os.environ["SLACK_SIGNING_SECRET"])`,
    ],
  },
  {
    kind: 'google-api-key', env: ['GOOGLE_MAPS_API_KEY', 'FIREBASE_API_KEY', 'GOOGLE_API_KEY', 'GEMINI_API_KEY'], make: V.google,
    extra: [
      (v) => `${ip()} - - [${clf()}] "GET /maps/api/geocode/json?address=10+Downing+St&key=${L('google-api-key', v, ['url-credentials', 'generic-secret'])} HTTP/2.0" 200 ${between(500, 4000)} "-" "${ua()}"`,
      (v) => `{"client":[{"client_info":{"mobilesdk_app_id":"1:${str(DIGITS, 12)}:android:${str(HEX, 16)}"},"api_key":[{"current_key":"${L('google-api-key', v, ['generic-secret'])}"}]}]}`,
      (v) => `<script async src="https://maps.googleapis.com/maps/api/js?key=${L('google-api-key', v, ['url-credentials', 'generic-secret'])}&callback=initMap"></script>`,
      (v) => `const firebaseConfig = {\n  apiKey: "${L('google-api-key', v, ['generic-secret'])}",\n  authDomain: "example-app.firebaseapp.com",\n  projectId: "example-app",\n};`,
      (v) => `W/GoogleApiManager: API key not valid. Please pass a valid API key. [key=${L('google-api-key', v, ['generic-secret'])}]`,
    ],
  },
];

for (const vd of vendors) {
  const ctx = [...vd.extra, ...vendorContexts(vd)];
  const n = 26;
  for (let i = 0; i < n; i++) {
    const t = ctx[i % ctx.length]!;
    line(() => t(vd.make()), `${vd.kind} #${(i % ctx.length) + 1}`);
  }
}

// ------------------------------------------------ aws secret access keys (named contexts only)

{
  const A = (v: string) => L('aws-secret-key', v, ['generic-secret', 'password-assignment']);
  run('aws-secret-key', 26, [
    (v) => `[${pick(['default', 'prod', 'ci-deployer'])}]\naws_access_key_id = ${L('aws-access-key-id', V.awsId(), ['generic-secret'])}\naws_secret_access_key = ${A(v())}\nregion = eu-west-1`,
    (v) => `{\n    "Credentials": {\n        "AccessKeyId": "${L('aws-access-key-id', V.awsId())}",\n        "SecretAccessKey": "${A(v())}",\n        "SessionToken": "${L('generic-secret', `IQoJb3JpZ2luX2VjE${str(B64, 300)}`, ['aws-secret-key'])}",\n        "Expiration": "2026-11-27T16:0${int(10)}:00+00:00"\n    }\n}`,
    (v) => `AWS_SECRET_ACCESS_KEY=${A(v())}`,
    (v) => `${app()}-1  | ${ts()} botocore.credentials: using env credentials AWS_SECRET_ACCESS_KEY=${A(v())}`,
    (v) => `provider "aws" {\n  region     = "us-east-1"\n  access_key = "${L('aws-access-key-id', V.awsId(), ['generic-secret'])}"\n  secret_key = "${A(v())}"\n}`,
    (v) => `aws configure set aws_secret_access_key ${A(v())} --profile staging`,
    (v) => `${ghTs()}   AWS_SECRET_ACCESS_KEY: ${A(v())}`,
    (v) => `      - name: AWS_SECRET_ACCESS_KEY\n        value: "${A(v())}"`,
    (v) => `"aws_secret_access_key": "${A(v())}", "aws_region": "ap-southeast-2"`,
    (v) => `spring.cloud.aws.credentials.secret-key=${A(v())}`,
    (v) => `{"module":"s3","secret_access_key":"${A(v())}","bucket":"example-backups"}`,
  ], V.awsSecret);
}

// ------------------------------------------------ slack webhooks

run('slack-webhook', 24, [
  (v) => `SLACK_WEBHOOK_URL=${L('slack-webhook', v(), ['url-credentials', 'generic-secret'])}`,
  (v) => `curl -X POST -H 'Content-type: application/json' --data '{"text":"deploy finished"}' ${L('slack-webhook', v(), ['url-credentials'])}`,
  (v) => `resource "aws_ssm_parameter" "alerts_webhook" {\n  name  = "/prod/alerts/slack"\n  type  = "SecureString"\n  value = "${L('slack-webhook', v(), ['url-credentials'])}"\n}`,
  (v) => `${app()}-1  | ${ts()} WARN notifier: POST ${L('slack-webhook', v(), ['url-credentials'])} failed: 404 no_service`,
  (v) => `alertmanager: receivers:\n  - name: oncall\n    slack_configs:\n      - api_url: '${L('slack-webhook', v(), ['url-credentials', 'generic-secret'])}'\n        channel: '#alerts'`,
  (v) => `{"name":"notify","with":{"webhook":"${L('slack-webhook', v(), ['url-credentials', 'generic-secret'])}","status":"success"}}`,
  (v) => `Webhook-URL für den Kanal #deploys: ${L('slack-webhook', v(), ['url-credentials'])}`,
  (v) => `requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: ${L('slack-webhook', v(), ['url-credentials'])}`,
], V.webhook);

// ------------------------------------------------ authorization headers

{
  const basicCred = () => b64(`${V.user()}:${V.urlPassword()}`);
  const BA = (v: string) => L('authorization-header', v, ['password-assignment']);
  const BE = (v: string) => L('authorization-header', v);
  run('authorization-header', 34, [
    () => `${ip()} - - [${clf()}] "GET ${path()} HTTP/1.1" 401 0 "-" "${ua()}" "Authorization: Basic ${BA(basicCred())}"`,
    () => `> GET ${path()} HTTP/2\n> Host: api.example.com\n> user-agent: curl/8.7.1\n> authorization: Bearer ${BE(V.bearer())}\n> accept: */*`,
    () => `{"startedDateTime":"2026-11-27T09:41:${pad(int(60), 2)}.${pad(int(1000), 3)}Z","request":{"method":"GET","url":"https://api.example.com${path()}","headers":[{"name":"accept","value":"application/json"},{"name":"authorization","value":"Bearer ${BE(V.bearer())}"}]}}`,
    () => `Started GET "${path()}" for ${ip()} at 2026-11-27 10:1${int(10)}:00 +0000\n  HTTP_AUTHORIZATION: "Bearer ${BE(V.bearer())}"`,
    () => `${ts()} DEBUG 1 --- [nio-8080-exec-${between(1, 9)}] o.s.web.filter.CommonsRequestLoggingFilter : Before request [GET ${path()}, headers=[host:"api.example.com", authorization:"Basic ${BA(basicCred())}", accept:"*/*"]]`,
    () => `proxy_set_header Authorization "Basic ${BA(basicCred())}";`,
    () => `curl -sk https://${ip()}:6443/metrics -H 'Authorization: Bearer ${BE(V.bearer())}'`,
    () => `Proxy-Authorization: Basic ${BA(basicCred())}`,
    () => `{"level":"debug","msg":"outbound","headers":{"Authorization":["Bearer ${BE(V.bearer())}"],"X-Request-Id":["${uuid()}"]}}`,
    () => `[${ts()}] local.DEBUG: Guzzle request {"headers":{"Authorization":["Basic ${BA(basicCred())}"]},"uri":"https://partner.example.net/v1/sync"}`,
    () => `${sysTs()} ${pod('gateway')} envoy[1]: [debug][router] ':authority', 'api.internal', 'authorization', 'Bearer ${BE(V.bearer())}', 'x-request-id', '${uuid()}'`,
    () => `wget --header="Authorization: Bearer ${BE(V.bearer())}" https://downloads.example.com/build-${between(1000, 9999)}.tar.gz`,
    () => `Anfrage abgelehnt – Header war „Authorization: Bearer ${BE(V.bearer())}" (abgelaufen)`,
    () => `request.headers['authorization'] = 'bearer ${BE(V.bearer())}'`,
  ], () => '');
}

// ------------------------------------------------ JWTs

{
  const J = (v: string, also: string[] = []) => L('jwt', v, also);
  run('jwt', 32, [
    (v) => `Set-Cookie: __Host-session=${J(v(), ['generic-secret'])}; Path=/; Secure; HttpOnly; SameSite=Lax`,
    (v) => `> cookie: theme=dark; access_token=${J(v(), ['generic-secret', 'url-credentials'])}; _ga=GA1.2.${between(1e8, 9e8)}.${between(1.7e9, 1.8e9)}`,
    (v) => `users:\n- name: deployer\n  user:\n    token: ${J(v('RS256'), ['generic-secret', 'authorization-header'])}`,
    (v) => `${ip()} - - [${clf()}] "GET /oauth/callback?code=${L('url-credentials', str(B64URL, 20).replace(/^[-_]/, 'c'))}&id_token=${J(v(), ['url-credentials', 'generic-secret'])} HTTP/1.1" 302 0 "-" "${ua()}"`,
    (v) => `{"access_token":"${J(v(), ['generic-secret'])}","token_type":"Bearer","expires_in":3600,"scope":"openid profile"}`,
    (v) => `Authorization: Bearer ${J(v(), ['authorization-header'])}`,
    (v) => `[${ts()}] ERROR jwt.exceptions.ExpiredSignatureError: Signature has expired (token=${J(v(), ['generic-secret'])})`,
    (v) => `2026-11-27 10:${pad(int(60), 2)}:${pad(int(60), 2)},${pad(int(1000), 3)} WARN  [io.jsonwebtoken] JWT signature does not match locally computed signature: ${J(v())}`,
    (v) => `${ghTs()} Requesting OIDC token... got ${J(v('RS256'))}`,
    (v) => `localStorage.setItem("auth", "${J(v())}")`,
    (v) => `{"name":"Cookie","value":"sid=${J(v(), ['generic-secret'])}"}`,
    (v) => `ACTIONS_ID_TOKEN=${J(v('RS256'), ['generic-secret'])}`,
    (v) => `トークン ${J(v())} の有効期限が切れています`,
  ], V.jwt);
}

// ------------------------------------------------ private keys

{
  const P = (v: string) => L('private-key', v);
  const esc = (s: string) => s.replace(/\n/g, '\\n');
  const indent = (s: string, by: string) => s.split('\n').join(`\n${by}`);
  run('private-key', 26, [
    (v) => P(v()),
    (v) => `{"type":"service_account","project_id":"example-prod","private_key_id":"${str(HEX, 40)}","private_key":"${P(esc(v('PRIVATE KEY')))}\\n","client_email":"${L('email', 'deployer@example-prod.iam.gserviceaccount.com')}"}`,
    (v) => { const k = v(); return `  tls.key: |\n    ${P(indent(k, '    '))}\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t${str(B64, 40)}`; },
    (v) => `            "private_key_pem": "${P(esc(v('RSA PRIVATE KEY')))}\\n",\n            "public_key_openssh": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${str(B64, 60)}\\n",`,
    (v) => `PRIVATE_KEY="${P(v())}"\nKEY_ID=${str(HEX, 16)}`,
    (v) => `cat > deploy_key <<'EOF'\n${P(v('OPENSSH PRIVATE KEY'))}\nEOF\nchmod 600 deploy_key`,
    (v) => `${app()}-1  | ${ts()} DEBUG signing key loaded: ${P(esc(v('EC PRIVATE KEY')))}`,
    (v) => `SAML_SP_KEY="${P(esc(v()))}"`,
  ], V.pem);
}

// ------------------------------------------------ credentials in URLs

{
  const U = (v: string, also: string[] = []) => L('url-credentials', v, also);
  const up = () => `${V.user()}:${V.urlPassword()}`;
  const host = () => pick(['db.internal', 'postgres.prod.svc.cluster.local', `${ip()}`, 'mysql-primary', 'rabbitmq.example.net', 'cache-01.example.com', 'mongo0.example.org']);
  run('url-credentials', 36, [
    () => `${app()}-1  | ${ts()} connecting to postgres://${U(up())}@${host()}:5432/app?sslmode=require`,
    () => `DATABASE_URL=postgresql://${U(up())}@${host()}:5432/${app()}_production`,
    () => `${ts()} ERROR [main] o.h.engine.jdbc.spi.SqlExceptionHelper: Access denied; url=mysql://${U(up())}@${host()}:3306/shop`,
    () => `celery.exceptions: Cannot connect to amqp://${U(up())}@${host()}:5672//: [Errno 111] Connection refused.`,
    () => `mongodb+srv://${U(up())}@cluster0.${str(LOWER + DIGITS, 5)}.mongodb.net/?retryWrites=true&w=majority`,
    () => `REDIS_URL=redis://:${U(V.urlPassword())}@${host()}:6379/0`,
    () => `${ip()} - - [${clf()}] "GET /api/v1/export.csv?format=csv&token=${U(str(B62, between(24, 40)))} HTTP/1.1" 200 ${between(1000, 90000)} "-" "${ua()}"`,
    () => `${ip()} - - [${clf()}] "POST /hooks/build?api_key=${U(V.secret(), ['generic-secret'])} HTTP/2.0" 202 17 "-" "GitHub-Hookshot/${str(HEX, 7)}"`,
    () => `Started GET "/feeds/calendar.ics?access_token=${U(str(HEX, 40), ['generic-secret'])}" for ${ip()} at 2026-11-27 08:00:0${int(10)} +0000`,
    () => `https://example-media.s3.amazonaws.com/uploads/${uuid()}.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261127T090000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${U(str(HEX, 64))}`,
    () => `git clone https://${U(`${V.user()}:${str(B62, 20)}`)}@git.example.com/platform/charts.git`,
    () => `proxy: http://${U(up())}@proxy.corp.example:3128`,
    () => `{"level":"warn","msg":"webhook delivery failed","url":"https://hooks.example.net/ingest?token=${U(str(B64URL, 32).replace(/^[-_]/, 'x'))}&source=billing","attempt":${between(1, 5)}}`,
    () => `"GET /download?file=invoice-${between(1000, 9999)}.pdf&access_token=${U(str(B62, 48), ['generic-secret'])} HTTP/1.1" 200`,
    () => `jdbc:postgresql://${U(up())}@${host()}:5432/app`,
    () => `ftp://${U(up())}@files.example.com/exports/`,
    () => `Verbindung zu smtp://${U(up())}@mail.example.com:587 fehlgeschlagen`,
    () => `WS connect wss://stream.example.com/v1/live?token=${U(str(B62, 32))}&channel=orders`,
  ], () => '');
}

// ------------------------------------------------ password assignments

{
  const P = (v: string, also: string[] = []) => L('password-assignment', v, also);
  const pw = V.password;
  const upw = V.urlPassword;
  run('password-assignment', 40, [
    () => `DB_PASSWORD=${P(pw())}`,
    () => `spring.datasource.password=${P(pw())}`,
    () => `DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app", "PASSWORD": "${P(pw())}", "HOST": "db"}}`,
    () => `Parameters: {"authenticity_token"=>"[FILTERED]", "user"=>{"email"=>"${L('email', V.email())}", "password"=>"${P(upw())}"}, "commit"=>"Log in"}`,
    () => `${ts().replace('T', ' ').replace('Z', ' UTC')} [${between(100, 9999)}] postgres@postgres LOG:  statement: ALTER ROLE ${V.user()} WITH LOGIN PASSWORD '${P(upw())}';`,
    () => `${ts().slice(0, 19)}Z ${between(10, 99)} Query\tSET PASSWORD FOR 'etl'@'%' = '${P(upw())}'`,
    () => `machine api.example.com login ${V.user()} password ${P(upw())}`,
    () => `[pypi]\nusername = __token__\npassword = ${P(`pypi-AgEIcHlwaS5vcmc${str(B64URL, 120)}`, ['generic-secret'])}`,
    () => `mysql -h ${ip()} -u root --password=${P(upw())} -e 'SHOW DATABASES'`,
    () => `PGPASSWORD=${P(upw())} pg_dump -h db.internal -U app app > /backups/app.sql`,
    () => `db-1   | ${ts()} MYSQL_ROOT_PASSWORD=${P(upw())}`,
    () => `environment:\n  POSTGRES_USER: app\n  POSTGRES_PASSWORD: ${P(upw())}\n  POSTGRES_DB: app`,
    () => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ntype: Opaque\ndata:\n  username: ${b64('app')}\n  password: ${P(b64(upw()))}`,
    () => `"password": "${P(pw().replace(/["\\]/g, ''))}",`,
    () => `${ip()} - - [${clf()}] "GET /login?username=${V.user()}&password=${P(upw(), ['url-credentials'])} HTTP/1.1" 302 0 "-" "${ua()}"`,
    () => `jdbc:mysql://db:3306/shop?user=shop&password=${P(upw(), ['url-credentials'])}&useSSL=true`,
    () => `gpg --batch --pinentry-mode loopback --passphrase '${P(upw())}' -d backup.tar.gz.gpg`,
    () => `keystore.password=${P(pw())}\nkeystore.type=PKCS12`,
    () => `passphrase: "${P(upw())}"`,
    () => `${app()}-1  | ${ts()} [debug] login attempt user=${V.user()} passwd=${P(upw())} result=fail`,
    () => `mongosh "mongodb://mongo0.example.org:27017/admin" --username admin --password ${P(upw())} --quiet`,
    () => `{"action":"change_password","old_password":"${P(upw())}","new_password":"${P(upw())}"}`,
    () => `$ docker login registry.example.com -u ci --password ${P(upw())}`,
    () => `pwd=${P(upw())};server=sql01.example.local;database=crm;uid=crm_app`,
    () => `Passwort: password="${P(upw())}" (bitte nach dem ersten Login ändern)`,
    () => `[${ts()}] production.INFO: Login failed {"email":"${L('email', V.email())}","password":"${P(upw())}"}`,
    () => `terraform apply -var 'db_password=${P(upw())}' -auto-approve`,
  ], () => '');
}

// ------------------------------------------------ generic secrets under secret-ish names

{
  const G = (v: string, also: string[] = []) => L('generic-secret', v, also);
  const s = V.secret;
  run('generic-secret', 40, [
    () => `> :method: GET\n> :path: ${path()}\n> x-api-key: ${G(s())}\n> accept: application/json`,
    () => `{"client_id":"${str(B62, 20)}","client_secret":"${G(s(), ['password-assignment'])}","grant_type":"client_credentials"}`,
    () => `SECRET_KEY_BASE=${G(str(HEX, 128), ['password-assignment'])}`,
    () => `APP_KEY=base64:${G(`${str(B64, 43)}=`.replace(/^[+/]/, 'Q'))}`,
    () => `SECRET_KEY = '${G(`django-insecure-${str(LOWER + DIGITS + '!@#$%^&*(-_=+)', 50)}`, ['password-assignment'])}'`,
    () => `DD_API_KEY=${G(str(HEX, 32))}`,
    () => `SENDGRID_API_KEY=${G(`SG.${str(B64URL, 22)}.${str(B64URL, 43)}`)}`,
    () => `TWILIO_AUTH_TOKEN=${G(str(HEX, 32))}`,
    () => `//registry.npmjs.org/:_authToken=${G(`npm_${str(B62, 36)}`)}`,
    () => `{"name":"X-Api-Key","value":"${G(s())}"}`,
    () => `${app()}-1  | ${ts()} INFO config loaded: webhook_secret=${G(s(), ['password-assignment'])} retries=3`,
    () => `PRIVATE-TOKEN: ${G(`glpat-${str(B64URL, 20)}`)}`,
    () => `app.secret_key = "${G(str(HEX, 48), ['password-assignment'])}"`,
    () => `consumer_secret: ${G(str(B62, 50), ['password-assignment'])}`,
    () => `encryption_key: "${G(`${str(B64, 42)}=`.replace(/^[+/]/, 'Q'))}"`,
    () => `${ts()} DEBUG 1 --- [main] c.e.config.Props : api.key=${G(s())}`,
    () => `curl -H "X-Auth-Token: ${G(s())}" https://api.example.net/v2/servers`,
    () => `api-key: ${G(str(HEX, 32))}`,
    () => `[${ts()}] INFO: partner sync {"auth_token":"${G(s())}","partner":"acme","batch":${between(1, 400)}}`,
    () => `      env:\n        - name: SENTRY_AUTH_TOKEN\n          value: ${G(`sntrys_${str(B64URL, 120)}`)}`,
    () => `"signing_secret": "${G(str(HEX, 32), ['password-assignment'])}",`,
    () => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "HSET" "tenant:${between(1, 900)}" "api_key" "${G(s())}"`,
    () => `  + api_token = "${G(s())}"`,
    () => `Der API-Schlüssel lautet api_key=${G(s())} (nur Staging)`,
    () => `export HONEYCOMB_API_KEY="${G(str(B62, 32))}"`,
  ], () => '');
}

// ------------------------------------------------ emails

{
  const E = (v: string) => L('email', v);
  run('email', 30, [
    () => `From: "${pick(['Alice Smith', 'Billing Team', 'Yuki Tanaka', 'Jürgen Müller'])}" <${E(V.email())}>\nTo: ${E(V.email())}\nSubject: Re: invoice ${between(1000, 99999)}\nMessage-ID: <${str(HEX, 16)}.${between(1e5, 9e5)}@mail.example.com>`,
    () => `${ts()} postfix/smtp[${between(100, 40000)}]: ${str(UPD, 10)}: to=<${E(V.email())}>, relay=mx.example.net[${ip()}]:25, delay=0.${between(10, 99)}, status=sent (250 2.0.0 OK)`,
    () => `Parameters: {"user"=>{"email"=>"${E(V.email())}", "password"=>"[FILTERED]"}}`,
    () => `[${ts()}] production.INFO: Password reset link sent {"email":"${E(V.email())}","ip":"${ip()}"}`,
    () => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "HSET" "user:${between(1, 99999)}" "email" "${E(V.email())}" "plan" "pro"`,
    () => `{"type":"message","user":"U0${str(UPD, 8)}","text":"can you add <mailto:${E(V.email())}> to the rota?","ts":"${epoch()}"}`,
    () => `Reply-To: ${E(V.email())}`,
    () => `${ts().replace('T', ' ').replace('Z', ' UTC')} [${between(100, 9999)}] app@app ERROR:  duplicate key value violates unique constraint "users_email_key"\nDETAIL:  Key (email)=(${E(V.email())}) already exists.`,
    () => `git log: Author: ${pick(['Priya Patel', 'Sven Olsen', 'Noor Haddad'])} <${E(V.email())}>`,
    () => `{"user":{"id":"${uuid()}","email":"${E(V.email())}","username":"${V.user()}"},"level":"error","exception":{"values":[{"type":"TypeError","value":"Cannot read properties of undefined"}]}}`,
    () => `Kontakt: ${E(V.email())} – Rückfragen bitte per E-Mail.`,
    () => `ご不明な点は ${E(V.email())} までお問い合わせください。`,
    () => `${ip()} - - [${clf()}] "GET /unsubscribe?email=${E(V.email())} HTTP/1.1" 200 512 "-" "${ua()}"`,
    () => `id,name,email,created_at\n${between(1, 9999)},Dana Roe,${E(V.email())},2026-10-0${between(1, 9)}`,
    () => `INSERT INTO subscribers (email, source) VALUES ('${E(V.email())}', 'footer');`,
    () => `Cc: ${E(V.email())}, ${E(V.email())}`,
    () => `2026/11/27 10:0${int(10)}:11 [notice] user ${E(V.email())} signed in from ${ip()}`,
  ], () => '');
}

// ------------------------------------------------ card numbers

{
  const C = (v: string) => L('card-number', v);
  run('card-number', 30, [
    () => `{"card_number":"${C(V.card())}","exp_month":${between(1, 12)},"exp_year":20${between(27, 32)},"cvc":"${str(DIGITS, 3)}"}`,
    () => `Parameters: {"order"=>{"card"=>"${C(groupCard(V.card(), ' '))}", "name"=>"J. Doe"}}`,
    () => `${ip()} - - [${clf()}] "POST /checkout?cc=${C(V.card())}&amount=49.00 HTTP/1.1" 302 0 "-" "${ua()}"`,
    () => `Karte ${C(groupCard(V.card(), ' '))} abgelehnt (Code 05).`,
    () => `カード番号: ${C(groupCard(V.card(), '-'))}`,
    () => `payment failed for card ${C(groupCard(V.card()))} amount=${between(1, 999)}.${pad(int(100), 2)} EUR`,
    () => `order_id,card,amount\nORD-${between(10000, 99999)},${C(V.card())},${between(1, 999)}.99`,
    () => `${ts().replace('T', ' ').replace('Z', ' UTC')} [${between(100, 9999)}] shop@shop LOG:  statement: INSERT INTO payments (pan, amount) VALUES ('${C(V.card())}', 1999)`,
    () => `{"type":"message","text":"customer read their card over the phone: ${C(groupCard(V.card(), ' '))}","user":"U0${str(UPD, 8)}"}`,
    () => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "SET" "checkout:${uuid()}:pan" "${C(V.card())}"`,
    () => `Card: ${C(groupCard(V.card(), '-'))}  Exp: ${pad(between(1, 12), 2)}/${between(27, 31)}`,
    () => `Номер карты ${C(groupCard(V.card(), ' '))}, срок действия ${pad(between(1, 12), 2)}/${between(27, 31)}`,
  ], () => '');
}

// ------------------------------------------------ US SSNs

{
  const S = (v: string) => L('us-ssn', v);
  run('us-ssn', 26, [
    () => `{"applicant":{"name":"Dana Roe","ssn":"${S(ssnText('-'))}","dob":"1984-02-1${int(10)}"}}`,
    () => `SSN: ${S(ssnText('-'))}`,
    () => `name,ssn,state\nJordan Lee,${S(ssnText('-'))},OH`,
    () => `Parameters: {"employee"=>{"ssn"=>"${S(ssnText('-'))}", "first_name"=>"Sam"}}`,
    () => `ssn=${S(ssnText(''))}&state=TX&zip=73301`,
    () => `Social Security Number: ${S(ssnText(' '))}`,
    () => `${ts()} ${level()} verify-identity: submitted tax id ${S(ssnText('-'))} for applicant ${between(1000, 99999)}`,
    () => `UPDATE employees SET ssn = '${S(ssnText('-'))}' WHERE id = ${between(1, 9999)};`,
    () => `Número de Seguro Social: ${S(ssnText('-'))}`,
    () => `<ssn>${S(ssnText('-'))}</ssn>`,
  ], () => '');
}

// ------------------------------------------------ phone numbers

{
  const T = (v: string) => L('phone-number', v);
  run('phone-number', 32, [
    () => `{"customer":{"phone":"${T(phone())}","country":"US"}}`,
    () => `Tel: ${T(phone())}`,
    () => `Parameters: {"profile"=>{"phone"=>"${T(phone())}"}}`,
    () => `${ts()} INFO sms.send to=${T(phone())} template=otp status=queued`,
    () => `Bitte rufen Sie uns unter ${T(phone())} an.`,
    () => `Call me back on ${T(phone())} after 5pm.`,
    () => `name,phone\nSam Rivera,${T(phone())}`,
    () => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "HSET" "user:${between(1, 9999)}" "phone" "${T(phone())}"`,
    () => `<a href="tel:${T(`+1${pick(US_AREAS)}55501${pad(int(100), 2)}`)}">Support</a>`,
    () => `From: Twilio <no-reply@example.com>\nTo: ${T(phone())}\nBody: Your code is ${str(DIGITS, 6)}`.replace('no-reply@example.com', L('email', 'no-reply@example.com')),
    () => `電話番号 ${T(phone())} までご連絡ください`,
    () => `{"type":"message","text":"on-call this week: ${T(phone())}","user":"U0${str(UPD, 8)}"}`,
    () => `INSERT INTO contacts (name, phone) VALUES ('Ana', '${T(phone())}');`,
  ], () => '');
}

// ------------------------------------------------ mixed records (several kinds in one line)

for (let i = 0; i < 42; i++) {
  const t = pick([
    () => `Started POST "/api/signup" for ${ip()} at 2026-11-27 10:0${int(10)}:00 +0000\nProcessing by RegistrationsController#create as JSON\n  Parameters: {"user"=>{"email"=>"${L('email', V.email())}", "phone"=>"${L('phone-number', phone())}", "password"=>"${L('password-assignment', V.urlPassword())}"}}`,
    () => JSON.stringify({ event_id: str(HEX, 32), level: 'error', request: { url: `https://api.example.com${path()}`, headers: { Authorization: `Bearer ${L('authorization-header', V.bearer())}`, 'User-Agent': ua() }, cookies: `session=${L('jwt', V.jwt(), ['generic-secret'])}` }, user: { email: L('email', V.email()), ip_address: ip() } }),
    () => `# .env.production\nDATABASE_URL=postgres://${L('url-credentials', `app:${V.urlPassword()}`)}@db.internal:5432/app\nSTRIPE_SECRET_KEY=${L('stripe-key', V.stripe(), ['generic-secret', 'password-assignment'])}\nSLACK_WEBHOOK_URL=${L('slack-webhook', V.webhook(), ['url-credentials', 'generic-secret'])}\nSTRIPE_PUBLISHABLE_KEY=pk_live_${str(B62, 24)}\nNODE_ENV=production`,
    () => `services:\n  api:\n    image: ghcr.io/example-org/api:1.${between(0, 40)}.0\n    environment:\n      OPENAI_API_KEY: ${L('openai-key', V.openai(), ['generic-secret'])}\n      REDIS_URL: redis://:${L('url-credentials', V.urlPassword())}@redis:6379\n      ADMIN_EMAIL: ${L('email', V.email())}`,
    () => `Traceback (most recent call last):\n  File "/app/billing/charge.py", line ${between(10, 400)}, in charge\n    stripe.Charge.create(amount=amt, source=card)\nstripe.error.CardError: card ${L('card-number', V.card())} declined\nLocals: api_key='${L('stripe-key', V.stripe(), ['generic-secret'])}' customer_email='${L('email', V.email())}'`,
    () => `${V.user()},${L('email', V.email())},${L('phone-number', phone())},${L('us-ssn', ssnText('-'))},${L('card-number', groupCard(V.card(), ' '))}`,
    () => `  # aws_iam_access_key.ci will be created\n  + resource "aws_iam_access_key" "ci" {\n      + id     = "${L('aws-access-key-id', V.awsId())}"\n      + secret = (sensitive value)\n      + user   = "ci"\n    }\n  # github_actions_secret.token\n      + plaintext_value = "${L('github-token', V.github('ghp'), ['generic-secret', 'password-assignment'])}"`,
    () => `{"token":"${L('slack-token', V.slack(), ['generic-secret'])}","channel":"C0${str(UPD, 8)}","text":"New signup: ${L('email', V.email())} (${L('phone-number', phone())})"}`,
    () => `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM${str(B64, 60)}\n    server: https://${ip()}:6443\n  name: prod\nusers:\n- name: admin\n  user:\n    username: admin\n    password: ${L('password-assignment', V.urlPassword())}`,
    () => `${ip()} - - [${clf()}] "GET /reset?email=${L('email', V.email())}&token=${L('url-credentials', str(B62, 32))} HTTP/1.1" 200 ${between(100, 9000)} "-" "${ua()}"`,
    () => `From: ${L('email', V.email())}\nTo: ${L('email', V.email())}\nSubject: staging creds\n\nhost: db.staging.example.com\nuser: app\npassword: ${L('password-assignment', V.urlPassword())}\nanthropic: ${L('anthropic-key', V.anthropic(), ['generic-secret'])}`,
    () => `${ghTs()} Run aws s3 cp dist s3://example-site --recursive\n${ghTs()} env:\n${ghTs()}   AWS_ACCESS_KEY_ID: ${L('aws-access-key-id', V.awsId(), ['generic-secret'])}\n${ghTs()}   AWS_SECRET_ACCESS_KEY: ${L('aws-secret-key', V.awsSecret(), ['generic-secret', 'password-assignment'])}\n${ghTs()}   GOOGLE_API_KEY: ${L('google-api-key', V.google(), ['generic-secret'])}`,
  ]);
  line(t, 'mixed record');
}

// ------------------------------------------------ negatives

const positives = out.length;
function neg(note: string, n: number, templates: (() => string)[]): void {
  for (let i = 0; i < n; i++) line(templates[i % templates.length]!, `negative: ${note}`);
}
const luhnBad = (n: string) => n.slice(0, -1) + String((Number(n.at(-1)) + 1 + int(8)) % 10);

neg('uuid and request ids', 20, [
  () => `${ts()} ${level()} request_id=${uuid()} trace_id=${str(HEX, 32)} span_id=${str(HEX, 16)} status=200 duration_ms=${ms()}`,
  () => `traceparent: 00-${str(HEX, 32)}-${str(HEX, 16)}-01`,
  () => `  Normal   Scheduled  ${between(1, 59)}s   default-scheduler  Successfully assigned prod/${pod()} to ip-10-0-${between(1, 250)}-${between(1, 250)}.eu-west-1.compute.internal\n  uid: ${uuid()}`,
  () => `{"id":"${uuid()}","correlation_id":"${uuid()}","parent":"${uuid()}"}`,
  () => `X-Request-Id: ${str(HEX, 32)}`,
]);
neg('hashes and digests', 24, [
  () => `${ghTs()} Syncing repository: example-org/api\n${ghTs()} Checking out ref refs/heads/main at ${str(HEX, 40)}`,
  () => `Digest: sha256:${str(HEX, 64)}\nStatus: Downloaded newer image for ghcr.io/example-org/${app()}:latest`,
  () => `"integrity": "sha512-${str(B64, 86)}=="`,
  () => `ETag: W/"${str(HEX, 40)}"`,
  () => `<script src="https://cdn.example.com/lib.js" integrity="sha384-${str(B64, 64)}" crossorigin="anonymous"></script>`,
  () => `commit ${str(HEX, 40)}\nMerge: ${str(HEX, 7)} ${str(HEX, 7)}`,
  () => `${str(HEX, 64)}  dist/custodian-linux-amd64.tar.gz`,
  () => `  Image ID:       docker-pullable://registry.example.com/${app()}@sha256:${str(HEX, 64)}`,
]);
neg('versions, timestamps, numbers', 30, [
  () => `node v20.${between(10, 19)}.${between(0, 9)}, npm 10.${between(0, 9)}.${between(0, 9)}, Windows 10.0.19045.${between(1000, 5999)}`,
  () => `${ts()} ${level()} took ${between(1, 9)}.${str(DIGITS, 6)}e-${between(2, 9)}s lat=51.${str(DIGITS, 6)} lon=-0.${str(DIGITS, 6)}`,
  () => `created_at=${between(1793000000000, 1796000000000)} updated_at=${between(1793000000000, 1796000000000)}`,
  () => `order ${between(100000000000, 999999999999)} invoice INV-2026-${pad(between(1, 99999), 6)} amount 1${between(10, 99)}.00`,
  () => `${ip()} 00:1a:2b:${str(HEX, 2)}:${str(HEX, 2)}:${str(HEX, 2)} fe80::${str(HEX, 4)}:${str(HEX, 4)}:${str(HEX, 4)}:${str(HEX, 4)}`,
  () => `ISBN 978-3-16-${between(100000, 999999)}-${int(10)} ZIP 9021${int(10)}-${str(DIGITS, 4)}`,
  () => `snowflake id ${between(1e17, 9e17)} message ${between(1e17, 9e17)}`,
  () => `helm.sh/chart: ${app()}-${between(0, 9)}.${between(0, 30)}.${between(0, 9)} app.kubernetes.io/version: "${between(1, 9)}.${between(0, 30)}.${between(0, 9)}"`,
  () => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "INCRBY" "rate:${between(1, 99999)}:${between(1793000000, 1796000000)}" "1"`,
  () => `SELECT * FROM events WHERE id BETWEEN ${between(1e9, 5e9)} AND ${between(5e9, 9e9)} LIMIT 500;`,
]);
neg('nginx/apache access logs with nothing to redact', 16, [
  () => `${ip()} - - [${clf()}] "GET ${path()}?page=${between(1, 40)}&per_page=50&sort=-created_at HTTP/1.1" 200 ${between(100, 90000)} "https://app.example.com/" "${ua()}" rt=0.${str(DIGITS, 3)}`,
  () => `${ip()} - - [${clf()}] "POST ${path()} HTTP/2.0" 401 ${between(10, 200)} "-" "${ua()}"`,
  () => `${ip()} - ${V.user()} [${clf()}] "GET /server-status?auto HTTP/1.1" 200 ${between(100, 900)} "-" "${ua()}"`,
  () => `${ip()} - - [${clf()}] "GET /assets/logo@2x.png HTTP/1.1" 304 0 "-" "${ua()}"`,
]);
neg('kubernetes events and kubectl output', 20, [
  () => `LAST SEEN   TYPE      REASON      OBJECT                  MESSAGE\n${between(1, 59)}s         Warning   BackOff     pod/${pod()}   Back-off restarting failed container ${app()} in pod ${pod()}`,
  () => `NAME                         TYPE                                  DATA   AGE\ndb-credentials               Opaque                                2      ${between(1, 400)}d\n${app()}-tls                      kubernetes.io/tls                     2      ${between(1, 90)}d`,
  () => `        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db-credentials\n              key: password`,
  () => `Warning  Failed  ${between(1, 59)}s  kubelet  Failed to pull image "registry.example.com/${app()}:v1.${between(0, 30)}.${between(0, 9)}": rpc error: code = Unknown desc = failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized`,
  () => `serviceaccount/${app()}-deployer created\nrolebinding.rbac.authorization.k8s.io/${app()}-deployer created\nsecret/${app()}-token-${str(POD, 5)} created`,
]);
neg('placeholders and references', 44, [
  () => `DB_PASSWORD=\${DB_PASSWORD}`,
  () => `password: {{ .Values.postgresql.auth.password }}`,
  () => `export OPENAI_API_KEY=<your-openai-key>`,
  () => `ANTHROPIC_API_KEY=sk-ant-xxxxxxxxxxxxxxxxxxxxxxxx`,
  () => `Authorization: Bearer $TOKEN`,
  () => `curl -H "Authorization: Bearer \${GITHUB_TOKEN}" https://api.github.com/user`,
  () => `${ghTs()}   GITHUB_TOKEN: ***`,
  () => `${ghTs()}   AWS_SECRET_ACCESS_KEY: ***`,
  () => `      + password = (sensitive value)`,
  () => `Parameters: {"user"=>{"login"=>"dana", "password"=>"[FILTERED]"}}`,
  () => `"password": "********"`,
  () => `api_key = os.environ["STRIPE_API_KEY"]`,
  () => `const token = process.env.SLACK_BOT_TOKEN;`,
  () => `client_secret: YOUR_CLIENT_SECRET_HERE`,
  () => `password = %(db_password)s`,
  () => `"password": null, "password_confirmation": null`,
  () => `PASSWORD=`,
  () => `echo "$REGISTRY_PASSWORD" | docker login registry.example.com -u ci --password-stdin`,
  () => `$ANSIBLE_VAULT;1.1;AES256\n${str(HEX, 80)}\n${str(HEX, 80)}`,
  () => `SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`,
  () => `STRIPE_SECRET_KEY=sk_live_...`,
  () => `token=[REDACTED]`,
  () => `aws_secret_access_key = <redacted>`,
  () => `DATABASE_URL=postgres://user:password@localhost:5432/dbname`.replace('user:password', '${DB_USER}:${DB_PASS}'),
  () => `mysql -u root -p`,
  () => `x-api-key: {{api_key}}`,
  () => `spring.datasource.password=\${SPRING_DATASOURCE_PASSWORD}`,
  () => `[${ts()}] production.ERROR: Invalid credentials {"email":"[REDACTED:email:${str(HEX, 8)}]"}`,
  () => `Authorization: Basic <base64 of user:pass>`,
  () => `GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`,
  () => `card: **** **** **** ${str(DIGITS, 4)}`,
  () => `ssn: ***-**-${str(DIGITS, 4)}`,
  () => `secretName: ${app()}-tls`,
  () => `password_changed_at: ${ts()}`,
]);
neg('AWS documented example keys', 12, [
  () => `aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
  () => `export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY`,
  () => `# e.g. AKIAIOSFODNN7EXAMPLE — see the AWS docs`,
  () => `provider "aws" {\n  access_key = "AKIAIOSFODNN7EXAMPLE"\n  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n}`,
]);
neg('public keys, certificates and publishable keys', 30, [
  () => `-----BEGIN CERTIFICATE-----\nMIID${str(B64, 60)}\n${str(B64, 64)}\n${str(B64, 64)}\n${str(B64, 40)}==\n-----END CERTIFICATE-----`,
  () => `-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${str(B64, 20)}\n${str(B64, 64)}\n${str(B64, 64)}\n${str(B64, 24)}IDAQAB\n-----END PUBLIC KEY-----`,
  () => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${str(B64, 43)} deploy-key-${between(1, 99)}`,
  () => `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${str(B64, 300)} ci`,
  () => `STRIPE_PUBLISHABLE_KEY=pk_live_${str(B62, 24)}`,
  () => `Stripe('pk_test_51${str(B62, 97)}')`,
  () => `<script>const stripe = Stripe("pk_live_51${str(B62, 97)}");</script>`,
  () => `{"keys":[{"kty":"RSA","kid":"${str(B64URL, 22)}","use":"sig","alg":"RS256","n":"${str(B64URL, 342)}","e":"AQAB"}]}`,
  () => `age1${str('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}`,
  () => `{"private_key_id":"${str(HEX, 40)}","client_id":"${str(DIGITS, 21)}","type":"service_account"}`,
  () => `  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t${str(B64, 120)}`,
  () => `Public key fingerprint: SHA256:${str(B64, 43)}`,
]);
neg('base64 blobs and cursors', 16, [
  () => `background-image: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${str(B64, 200)}=);`,
  () => `{"nextPageToken":"${b64url(JSON.stringify({ after: between(1, 99999), ts: between(1793000000, 1796000000) }))}"}`,
  () => `cursor=${b64url(JSON.stringify({ id: uuid() }))}&limit=100`,
  () => `font-src: data:font/woff2;base64,d09GMgABAAAA${str(B64, 160)}`,
]);
neg('identifiers that look like keys', 24, [
  () => `stripe: charge ch_3${str(B62, 23)} for customer cus_${str(B62, 14)} (evt_1${str(B62, 23)})`,
  () => `slack user U0${str(UPD, 8)} posted in C0${str(UPD, 8)} team T0${str(UPD, 8)}`,
  () => `mongo _id ObjectId("${str(HEX, 24)}")`,
  () => `ulid ${str('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 26)}`,
  () => `${ts()} sentry event ${str(HEX, 32)} captured for release api@${between(1, 9)}.${between(0, 40)}.${between(0, 9)}`,
  () => `"token_type":"Bearer","expires_in":${between(300, 86400)},"max_tokens":${between(256, 8192)}`,
  () => `arn:aws:iam::${str(DIGITS, 12)}:role/${app()}-deployer`,
  () => `cache key: ${app()}:v2:${str(HEX, 40)}`,
]);
neg('prose naming a credential format without a value', 20, [
  () => `GitHub personal access tokens start with ghp_ and fine-grained ones with github_pat_.`,
  () => `Rotate the Stripe secret key (sk_live_…) and the webhook signing secret (whsec_…) after the incident.`,
  () => `An AWS access key id begins with AKIA for long-term keys and ASIA for temporary ones.`,
  () => `Die Passwortrichtlinie verlangt mindestens 12 Zeichen; das Passwort wird nie geloggt.`,
  () => `Set the Authorization header to "Bearer " followed by your token.`,
  () => `Slack bot tokens look like xoxb-…; never paste them in a channel.`,
  () => `Anthropic keys (sk-ant-api03-...) belong in a secret manager, not in .env files.`,
  () => `The password field must be at least 8 characters and contain a digit.`,
  () => `JWTs are three base64url segments separated by dots; the first one usually starts with eyJ.`,
  () => `パスワードを忘れた場合は、ログイン画面の「パスワードをリセット」をクリックしてください。`,
]);
neg('personal-data look-alikes', 30, [
  () => `card ${groupCard(luhnBad(V.card()), ' ')} (Luhn check failed)`,
  () => `pan=${luhnBad(V.card())}`,
  () => `ssn: ${pick(['000', '666', String(between(900, 999))])}-${pad(between(1, 99), 2)}-${pad(between(1, 9999), 4)}`,
  () => `tax id ${pad(between(1, 899), 3)}-00-${pad(between(1, 9999), 4)}`,
  () => `ref ${pad(between(1, 665), 3)}-${pad(between(1, 99), 2)}-0000`,
  () => `phone: (${between(0, 1)}${str(DIGITS, 2)}) 555-01${str(DIGITS, 2)}`,
  () => `git@github.com:example-org/${app()}.git`,
  () => `"@types/node@20.${between(10, 19)}.${between(0, 9)}"`,
  () => `date 2026-11-27 version 1.2.3.4 build ${between(1000, 9999)}-${between(10, 99)}-${between(1000, 9999)}`,
  () => `card ending in ${str(DIGITS, 4)}, bin ${between(400000, 499999)}`,
]);
neg('service logs with nothing to redact', 24, [
  () => `${ts().replace('T', ' ').replace('Z', ' UTC')} [${between(100, 9999)}] app@app FATAL:  password authentication failed for user "app"`,
  () => `${ts()} [Note] [MY-010914] [Server] Aborted connection ${between(10, 9999)} to db: 'shop' user: 'shop' host: '${ip()}' (Got an error reading communication packets).`,
  () => `${epoch()} [0 ${ip()}:${between(30000, 65000)}] "GET" "session:${str(HEX, 8)}:last_seen"`,
  () => `${app()}-1  | ${ts()} INFO  Listening on http://0.0.0.0:${between(3000, 9000)} (pid ${between(1, 400)})`,
  () => `${ghTs()} ##[group]Run actions/checkout@${str(HEX, 40)}\n${ghTs()} with:\n${ghTs()}   token: ***\n${ghTs()}   fetch-depth: 1`,
  () => `Plan: ${between(1, 9)} to add, ${between(0, 5)} to change, 0 to destroy.\n  # random_password.db will be created\n  + resource "random_password" "db" {\n      + result  = (sensitive value)\n      + length  = 32\n    }`,
  () => `Completed 200 OK in ${ms()}ms (Views: ${ms()}.1ms | ActiveRecord: ${between(1, 90)}.4ms | Allocations: ${between(1000, 90000)})`,
  () => `[${ts()}] local.INFO: User logged in {"user_id":${between(1, 99999)},"guard":"web"}`,
  () => `${ts()} DEBUG 1 --- [main] o.s.s.web.DefaultSecurityFilterChain : Will secure any request with [org.springframework.security.web.session.DisableEncodeUrlFilter@${str(HEX, 8)}]`,
  () => `"GET /admin/login/?next=/admin/ HTTP/1.1" 200 ${between(1000, 9000)}`,
  () => `${sysTs()} ${pod()} sshd[${between(100, 40000)}]: Accepted publickey for deploy from ${ip()} port ${between(30000, 65000)} ssh2: ED25519 SHA256:${str(B64, 43)}`,
  () => `> :status: 200\n> content-type: application/json\n> x-ratelimit-remaining: ${between(1, 5000)}\n> x-github-request-id: ${str(UPD, 4)}:${str(UPD, 6)}:${str(UPD, 7)}`,
]);
neg('long lines with nothing to redact', 8, [
  () => JSON.stringify({ ts: ts(), msg: 'batch', rows: Array.from({ length: 40 }, () => ({ id: uuid(), sha: str(HEX, 40), n: between(1, 1e6), at: ts() })) }),
  () => `${FILLER.repeat(30)}${str(HEX, 64)} ${FILLER.repeat(10)}`,
]);

// ---------------------------------------------------------------- output

const here = fileURLToPath(new URL('.', import.meta.url));
writeFileSync(`${here}held-out.jsonl`, out.map((l) => JSON.stringify(l)).join('\n') + '\n');
const perKind = new Map<string, number>();
for (const l of out) for (const s of l.secrets) perKind.set(s.kind, (perKind.get(s.kind) ?? 0) + 1);
console.log(`held-out.jsonl: ${out.length} lines, ${positives} positive, ${out.length - positives} negative`);
for (const [k, n] of [...perKind].sort()) console.log(`  ${k.padEnd(22)} ${n}`);
