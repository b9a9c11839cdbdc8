// Lines holding several secrets and personal data at once, as real incident logs do:
// request dumps, error records with bodies, CSV exports, env files and audit metadata.
import { Rng } from './rng.js';
import { isoTime, logLine, type Frag, type Maker } from './contexts.js';
import { secret, type Case } from './types.js';
import { genericMakers } from './generic.js';
import { personalMakersByKind } from './personal.js';
import { vendorMakers } from './vendor.js';
import * as v from './values.js';

const allMakers: Record<string, Maker[]> = { ...vendorMakers, ...genericMakers, ...personalMakersByKind };

function singleLine(rng: Rng, kind: string): Frag {
  for (;;) {
    const frag = rng.pick(allMakers[kind]!)(rng);
    if (!frag.multiline && !frag.text.includes('\n') && !frag.secrets.some((s) => s.value.includes('\\'))) return frag;
  }
}

/** Two to four single-line fragments of different kinds joined into one record. */
function composed(rng: Rng): Case {
  const kinds = Object.keys(allMakers);
  const chosen = new Set<string>();
  const n = rng.int(2, 4);
  while (chosen.size < n) chosen.add(rng.pick(kinds.filter((k) => k !== 'private-key')));
  const frags = [...chosen].map((k) => singleLine(rng, k));
  const secrets = frags.flatMap((f) => f.secrets);
  const text = rng.bool() ? logLine(rng, frags.map((f) => f.text).join(rng.pick([' | ', '; ', ' ']))) : frags.map((f) => f.text).join('\n');
  return { text, secrets };
}

function crafted(rng: Rng): Case {
  const email = v.email(rng);
  const phone = v.phone(rng);
  const pw = v.password(rng);
  const token = v.jwt(rng);
  switch (rng.int(0, 7)) {
    case 0: {
      const text = `POST /v1/signup HTTP/1.1\nHost: api.example.com\nAuthorization: Bearer ${token}\nContent-Type: application/json\n\n{"email":"${email}","phone":"${phone}","password":"${pw}"}`;
      return { text, secrets: [secret('authorization-header', token, ['jwt']), secret('email', email), secret('phone-number', phone), secret('password-assignment', pw)] };
    }
    case 1: {
      const card = v.cardNumber(rng);
      const text = JSON.stringify({ level: 50, time: 1795000000000 + rng.int(0, 9e8), msg: 'payment failed', req: { method: 'POST', url: '/v1/checkout', headers: { authorization: `Bearer ${token}` } }, body: { email, card } });
      return { text, secrets: [secret('authorization-header', token, ['jwt']), secret('email', email), secret('card-number', card)] };
    }
    case 2: {
      const rows = Array.from({ length: rng.int(2, 3) }, () => ({ email: v.email(rng), phone: v.phone(rng), ssn: v.ssn(rng, '-') }));
      const unique = rows.filter((r, i) => rows.findIndex((o) => o.email === r.email) === i);
      const text = ['id,full_name,email,phone,ssn,created_at', ...unique.map((r, i) => `${i + 1},"${v.person(rng).first} ${v.person(rng).last}",${r.email},"${r.phone}",${r.ssn},${isoTime(rng)}`)].join('\n');
      return { text, secrets: unique.flatMap((r) => [secret('email', r.email), secret('phone-number', r.phone), secret('us-ssn', r.ssn)]) };
    }
    case 3: {
      const dbCred = `app:${v.password(rng, true)}`;
      const stripe = v.stripeKey(rng);
      const openai = v.openaiKey(rng);
      const hook = v.slackWebhook(rng);
      const session = v.opaqueToken(rng);
      const text = `# .env.production\nNODE_ENV=production\nPORT=8080\nDATABASE_URL=postgres://${dbCred}@db.internal:5432/app\nSTRIPE_SECRET_KEY=${stripe}\nOPENAI_API_KEY=${openai}\nSLACK_WEBHOOK_URL=${hook}\nSESSION_SECRET=${session}\nLOG_LEVEL=info`;
      return { text, secrets: [secret('url-credentials', dbCred, ['password-assignment']), secret('stripe-key', stripe, ['generic-secret']), secret('openai-key', openai, ['generic-secret']), secret('slack-webhook', hook), secret('password-assignment', session, ['generic-secret'])] };
    }
    case 4: {
      const id = v.awsKeyId(rng);
      const sk = v.awsSecret(rng);
      const text = `services:\n  api:\n    image: ghcr.io/acme/api:1.${rng.int(0, 40)}.${rng.int(0, 9)}\n    environment:\n      AWS_ACCESS_KEY_ID: ${id}\n      AWS_SECRET_ACCESS_KEY: ${sk}\n      POSTGRES_PASSWORD: ${pw}\n      ADMIN_EMAIL: ${email}`;
      return { text, secrets: [secret('aws-access-key-id', id), secret('aws-secret-key', sk, ['generic-secret', 'password-assignment']), secret('password-assignment', pw), secret('email', email)] };
    }
    case 5: {
      const key = v.anthropicKey(rng);
      const text = `Traceback (most recent call last):\n  File "/app/worker.py", line ${rng.int(10, 400)}, in summarize\n    resp = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=msgs)\nanthropic.AuthenticationError: Error code: 401\nLocals: api_key='${key}' user_email='${email}' retries=3`;
      return { text, secrets: [secret('anthropic-key', key, ['generic-secret']), secret('email', email)] };
    }
    case 6: {
      const card = v.cardNumber(rng, true, ' ');
      const ssn = v.ssn(rng);
      const text = `INSERT INTO applicants (email, phone, ssn, card) VALUES ('${email}', '${phone}', '${ssn}', '${card}');`;
      return { text, secrets: [secret('email', email), secret('phone-number', phone), secret('us-ssn', ssn), secret('card-number', card)] };
    }
    default: {
      const gh = v.githubClassic(rng, 'ghp_');
      const text = JSON.stringify({ seq: rng.int(1, 99999), actor: email, action: 'integration.connected', at: isoTime(rng), metadata: { provider: 'github', token: gh, ip: `203.0.113.${rng.int(1, 254)}`, user_agent: 'Mozilla/5.0' } });
      return { text, secrets: [secret('email', email), secret('github-token', gh, ['generic-secret'])] };
    }
  }
}

export function mixedCases(rng: Rng, count: number): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) out.push(crafted(rng));
    else out.push(composed(rng));
  }
  return out;
}
