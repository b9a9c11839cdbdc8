// Hand-picked tricky cases, appended to each family from their own seeded stream so that adding
// one here leaves every other line of the corpus as it was.
import { Rng } from './rng.js';
import { secret, type Case } from './types.js';
import * as v from './values.js';

type Extra = (rng: Rng) => Case;

export const vendorExtras: Extra[] = [
  (rng) => {
    const k = v.openaiKey(rng);
    return { text: `authorization: bearer ${k}`, secrets: [secret('openai-key', k, ['authorization-header'])], note: 'lower-case scheme' };
  },
  (rng) => {
    const a = v.anthropicKey(rng);
    const o = v.openaiKey(rng);
    return { text: `ANTHROPIC_API_KEY=${a}\r\nOPENAI_API_KEY=${o}\r\nLOG_LEVEL=info\r\n`, secrets: [secret('anthropic-key', a, ['generic-secret']), secret('openai-key', o, ['generic-secret'])], note: 'CRLF env file' };
  },
  (rng) => {
    const k = v.anthropicKey(rng);
    return { text: `🔑 clé API : ${k} — ne la partagez pas`, secrets: [secret('anthropic-key', k)], note: 'non-ASCII before the key: offsets are UTF-16' };
  },
  (rng) => {
    const k = v.stripeKey(rng);
    return { text: `设置密钥 “${k}”。`, secrets: [secret('stripe-key', k)], note: 'CJK text and curly quotes around the key' };
  },
  (rng) => {
    const k = v.githubStateless(rng);
    return { text: `2026-11-27T09:14:02.1234567Z ##[debug]GITHUB_TOKEN: ${k}\n2026-11-27T09:14:02.1240000Z ##[debug]Evaluating condition for step: 'Checkout'`, secrets: [secret('github-token', k, ['jwt', 'generic-secret'])], note: 'Actions debug log with a stateless installation token' };
  },
  (rng) => {
    const k = v.githubClassic(rng, 'ghp_');
    return { text: `\`\`\`\nexport GH_TOKEN=${k}\n\`\`\``, secrets: [secret('github-token', k, ['generic-secret'])], note: 'markdown code fence' };
  },
  (rng) => {
    const k = v.slackToken(rng);
    return { text: `{'ok': False, 'error': 'token_revoked', 'token': '${k}'}`, secrets: [secret('slack-token', k, ['generic-secret'])], note: 'Python dict repr' };
  },
  (rng) => {
    const id = v.awsKeyId(rng);
    const sk = v.awsSecret(rng);
    return { text: `aws_access_key_id=${id}\naws_secret_access_key=${sk}`, secrets: [secret('aws-access-key-id', id), secret('aws-secret-key', sk, ['generic-secret', 'password-assignment'])], note: 'credentials file without spaces' };
  },
  (rng) => {
    const k = v.googleApiKey(rng);
    return { text: `<script src="https://maps.googleapis.com/maps/api/js?key=${k}&callback=initMap" async></script>`, secrets: [secret('google-api-key', k, ['url-credentials'])] };
  },
  (rng) => {
    const k = v.slackWebhook(rng);
    return { text: `webhook=${k}\n`, secrets: [secret('slack-webhook', k)], note: 'trailing newline' };
  },
];

export const genericExtras: Extra[] = [
  (rng) => {
    const t = v.opaqueToken(rng);
    return { text: `authorization: bearer ${t}`, secrets: [secret('authorization-header', t, ['generic-secret'])], note: 'lower-case scheme' };
  },
  (rng) => {
    const iat = 1795000000 + rng.int(0, 1_000_000);
    const t = `${v.b64url('{"alg":"HS256"}')}.${v.b64url(JSON.stringify({ sub: v.uuid(rng), iat }))}.${rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 43)}`;
    return { text: `{"level":"warn","msg":"rejected token","token":"${t}"}`, secrets: [secret('jwt', t, ['generic-secret'])], note: 'JWT header without typ' };
  },
  (rng) => {
    const k = v.privateKey(rng, '\r\n');
    return { text: k + '\r\n', secrets: [secret('private-key', k)], note: 'PEM with CRLF line ends' };
  },
  (rng) => {
    const k = v.privateKey(rng, '\n');
    return { text: `SIGNING_KEY = """\n${k}\n"""`, secrets: [secret('private-key', k, ['generic-secret'])], note: 'Python triple-quoted string' };
  },
  (rng) => {
    const p = v.password(rng);
    return { text: `  password: '${p}'`, secrets: [secret('password-assignment', p)], note: 'YAML single quotes' };
  },
  (rng) => {
    const p = v.password(rng, true);
    return { text: `REDIS_URL=redis://:${p}@cache.internal:6379/0`, secrets: [secret('url-credentials', p, ['password-assignment'])], note: 'URL with an empty user name: the password is the value' };
  },
  (rng) => {
    const p = v.password(rng, true);
    return { text: `curl -u admin:${p} https://grafana.example.net/api/dashboards/home`, secrets: [secret('password-assignment', p, ['url-credentials', 'authorization-header'])], note: 'curl -u user:password' };
  },
  (rng) => {
    const t = v.opaqueToken(rng);
    return { text: `https://api.example.com/v1/files/report.csv?X-Access-Token=${t}`, secrets: [secret('url-credentials', t, ['generic-secret'])], note: 'mixed-case parameter name' };
  },
];

export const personalExtras: Extra[] = [
  (rng) => {
    const e = v.email(rng);
    return { text: `"to":"\\u003c${e}\\u003e"`, secrets: [secret('email', e)], note: 'JSON-escaped angle brackets' };
  },
  (rng) => {
    const e = `${rng.int(10000, 99999)}@example.com`;
    return { text: `bounce for ${e}; retrying in 300s`, secrets: [secret('email', e)], note: 'digits-only local part' };
  },
  (rng) => {
    const p = `+1${rng.pick([415, 212, 617])}5550${rng.int(100, 199)}`;
    return { text: `<a href="tel:${p}">call</a>`, secrets: [secret('phone-number', p)], note: 'tel: link' };
  },
  (rng) => {
    const s = v.ssn(rng, ' ');
    return { text: `Applicant wrote their social security number as ${s} on the form.`, secrets: [secret('us-ssn', s)] };
  },
  (rng) => {
    const c = v.cardNumber(rng, true, '-');
    return { text: `Refund to card ${c}, approved by ops.`, secrets: [secret('card-number', c)] };
  },
  (rng) => {
    const e = v.email(rng);
    const p = v.phone(rng);
    return { text: `👤 ${e} · 📞 ${p}`, secrets: [secret('email', e), secret('phone-number', p)], note: 'emoji before values: offsets are UTF-16' };
  },
];

export const negativeMentions: string[] = [
  'Stripe secret keys start with sk_live_ and publishable keys with pk_live_.',
  'GitHub personal access tokens look like ghp_ followed by 36 characters; fine-grained ones start with github_pat_.',
  'Paste the block that begins with -----BEGIN PRIVATE KEY----- into the field below.',
  'Slack bot tokens begin with xoxb- and user tokens with xoxp-.',
  'Google API keys begin with AIza and are 39 characters long.',
  'Access keys beginning with AKIA are long-term; ASIA keys come from STS and expire.',
  'Send the token in the header: Authorization: Bearer followed by a space and the token.',
  'Anthropic keys start with sk-ant-api03- and OpenAI project keys with sk-proj-.',
  'JWTs are three base64url segments separated by dots; the header usually starts with eyJ.',
  'Webhook URLs have the form https://hooks.slack.com/services/T…/B…/….',
  'Set password= in the connection string, or use PGPASSWORD.',
  'The api_key parameter is required; see the authentication guide.',
  'Rotate the client_secret from the OAuth app settings page.',
  'Error: missing required option --api-key',
  'Password: (hidden)',
  'token=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT',
  'Authorization header missing or malformed',
  'Use a card like 4242 4242 4242 424 (one digit short) to trigger a validation error.',
  'SSNs have the form AAA-GG-SSSS.',
  'Phone numbers are stored in E.164, e.g. +<country><number>.',
];

export function extraCases(seed: string, extras: Extra[], rounds: number): Case[] {
  const rng = new Rng(seed);
  const out: Case[] = [];
  for (let r = 0; r < rounds; r++) for (const make of extras) out.push(make(rng));
  return out;
}
