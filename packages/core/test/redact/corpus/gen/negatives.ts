// Lines with nothing to redact that look like something: ids, hashes, numbers, placeholders,
// published example keys, prose about passwords, and markers the redactor itself wrote.
import { B62, B64, B64URL, DIGITS, HEX, LOWER, UPPER, Rng } from './rng.js';
import { epochMs, isoTime, logLine, podName } from './contexts.js';
import * as v from './values.js';

type Neg = (rng: Rng) => string;

const sha = (rng: Rng, n = 40) => rng.chars(HEX, n);
const digitUuid = (rng: Rng) => `${rng.digits(8)}-${rng.digits(4)}-4${rng.digits(3)}-${rng.pick(['8', '9'])}${rng.digits(3)}-${rng.digits(12)}`;

/** A number that is Luhn-valid half the time, so only its context says it is no card. */
function maybeLuhn(rng: Rng, lead: string, length: number): string {
  const body = lead + rng.digits(length - lead.length - 1);
  return body + (rng.bool() ? String(v.luhnCheckDigit(body)) : rng.digits(1));
}

function luhnInvalidCard(rng: Rng): string {
  for (;;) {
    const c = v.cardNumber(rng, false);
    if (!v.luhnValid(c)) return c;
  }
}

const categories: Array<{ name: string; count: number; make: Neg }> = [
  { name: 'uuid', count: 20, make: (rng) => rng.pick([
    () => logLine(rng, `request ${v.uuid(rng)} completed in ${rng.int(2, 900)}ms`),
    () => `{"id":"${v.uuid(rng)}","tenant_id":"${v.uuid(rng)}","status":"active"}`,
    () => `DELETE FROM sessions WHERE user_id = '${digitUuid(rng)}';`,
    () => `correlation-id: ${digitUuid(rng)}`,
    () => `/api/v1/projects/${v.uuid(rng)}/members/${digitUuid(rng)}`,
  ])() },
  { name: 'git-sha', count: 18, make: (rng) => rng.pick([
    () => `commit ${sha(rng)}\nMerge: ${sha(rng, 7)} ${sha(rng, 7)}`,
    () => `      - uses: actions/checkout@${sha(rng)} # v4.2.2`,
    () => `"gitHead": "${sha(rng)}"`,
    () => `deployed revision ${sha(rng)} to production (${rng.int(3, 40)} files changed)`,
    () => `HEAD is now at ${sha(rng, 7)} fix: retry webhook deliveries`,
  ])() },
  { name: 'content-hash', count: 20, make: (rng) => rng.pick([
    () => `${sha(rng, 64)}  node-v20.11.1-linux-x64.tar.xz`,
    () => `Digest: sha256:${sha(rng, 64)}`,
    () => `{"file":"exports/${v.uuid(rng)}.json","sha256":"${sha(rng, 64)}","bytes":${rng.int(1000, 9_000_000)}}`,
    () => `ETag: "${sha(rng, 32)}"`,
    () => `${sha(rng, 128)}  backup-2026-11-27.tar.gz`,
    () => `checksum mismatch: expected ${sha(rng, 64)} got ${sha(rng, 64)}`,
    () => `image: ghcr.io/acme/api@sha256:${sha(rng, 64)}`,
  ])() },
  { name: 'integrity', count: 20, make: (rng) => rng.pick([
    () => `      "integrity": "sha512-${v.b64(rng.bytes(64))}",`,
    () => `  integrity sha512-${v.b64(rng.bytes(64))}`,
    () => `<script src="https://cdn.example.com/lib.min.js" integrity="sha384-${v.b64(rng.bytes(48))}" crossorigin="anonymous"></script>`,
    () => `"resolved": "https://registry.npmjs.org/zod/-/zod-4.1.12.tgz", "integrity": "sha1-${v.b64(rng.bytes(20))}"`,
  ])() },
  { name: 'base64-data', count: 18, make: (rng) => rng.pick([
    () => `<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${v.b64(rng.bytes(rng.int(120, 400)))}" alt="logo">`,
    () => `{"avatar":"data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ${v.b64(rng.bytes(rng.int(150, 300)))}"}`,
    () => `src: url(data:font/woff2;base64,d09GMgABAAAAA${v.b64(rng.bytes(200))}) format("woff2");`,
    () => `{"cursor":"${v.b64url(JSON.stringify({ id: rng.int(1, 99999), ts: isoTime(rng) }))}","has_more":true}`,
    () => `{"nextPageToken":"${v.b64url(JSON.stringify({ offset: rng.int(20, 2000), sort: 'created_at' }))}","items":[]}`,
    () => `Content-Transfer-Encoding: base64\n\n${v.b64(rng.bytes(57))}\n${v.b64(rng.bytes(57))}`,
  ])() },
  { name: 'numbers', count: 24, make: (rng) => rng.pick([
    () => `epoch=${rng.int(1, 40)} loss=${(rng.next() / 100).toFixed(7)} lr=${rng.pick(['3e-4', '1e-5', '2.5e-3'])} grad_norm=${(rng.next() * 10).toFixed(4)}`,
    () => `{"lat":${(rng.next() * 180 - 90).toFixed(6)},"lng":${(rng.next() * 360 - 180).toFixed(6)},"accuracy_m":${rng.int(3, 60)}}`,
    () => `p50=${(rng.next() * 100).toFixed(3)}ms p99=${(rng.next() * 1000).toFixed(10)}ms rps=${rng.int(100, 90000)}`,
    () => `elementary charge 1.602176634e-19 C, Avogadro 6.02214076e23`,
    () => `{"amount":${rng.int(100, 9_999_999)}.${rng.digits(2)},"currency":"usd","fx_rate":${(rng.next() * 2).toFixed(12)}}`,
    () => `pi ≈ 3.${rng.digits(18)}`,
    () => `bytes_in=${rng.int(1_000_000_000, 9_999_999_999)} bytes_out=${maybeLuhn(rng, '1', 13)}`,
  ])() },
  { name: 'version', count: 20, make: (rng) => rng.pick([
    () => `node v20.${rng.int(10, 19)}.${rng.int(0, 9)} npm 11.${rng.int(0, 6)}.${rng.int(0, 4)} (linux-x64)`,
    () => `"version": "${rng.int(0, 20)}.${rng.int(0, 40)}.${rng.int(0, 30)}"`,
    () => `User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.${rng.int(6000, 6999)}.${rng.int(10, 200)} Safari/537.36`,
    () => `Linux ${podName(rng)} 6.8.0-${rng.int(30, 60)}-generic #${rng.int(30, 60)}-Ubuntu SMP x86_64 GNU/Linux`,
    () => `OpenSSL 3.0.${rng.int(2, 15)} ${rng.int(1, 28)} Oct 2026 (Library: OpenSSL 3.0.${rng.int(2, 15)})`,
    () => `Microsoft Windows [Version 10.0.${rng.int(19041, 26100)}.${rng.int(1000, 5131)}]`,
    () => `postgres (PostgreSQL) 16.${rng.int(1, 6)} (Debian 16.${rng.int(1, 6)}-1.pgdg120+1)`,
  ])() },
  { name: 'time', count: 24, make: (rng) => rng.pick([
    () => `{"created_at":"${isoTime(rng)}","updated_at":"${isoTime(rng)}"}`,
    () => `{"time":${epochMs(rng)},"ts_us":${maybeLuhn(rng, '17', 16)}}`,
    () => `X-Amz-Date: 2026${rng.pad(rng.int(1, 11), 2)}${rng.pad(rng.int(1, 28), 2)}T${rng.pad(rng.int(0, 23), 2)}${rng.pad(rng.int(0, 59), 2)}00Z`,
    () => `10.0.3.17 - - [${rng.int(10, 28)}/Nov/2026:10:15:${rng.pad(rng.int(0, 59), 2)} +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.31"`,
    () => `2026-11-${rng.int(10, 27)} ${rng.pad(rng.int(0, 23), 2)}:${rng.pad(rng.int(0, 59), 2)}:${rng.pad(rng.int(0, 59), 2)}.${rng.digits(6)}+00 LOG:  checkpoint complete: wrote ${rng.int(10, 9999)} buffers`,
    () => `scheduled for 11/${rng.int(10, 28)}/2026 at ${rng.int(1, 12)}:${rng.pad(rng.int(0, 59), 2)} PM, retry at ${maybeLuhn(rng, '17', 13)}`,
    () => `{"exp":${1790000000 + rng.int(0, 9_000_000)},"nbf":${1790000000 + rng.int(0, 9_000_000)}}`,
  ])() },
  { name: 'ids', count: 26, make: (rng) => rng.pick([
    () => `{"invoice":"INV-2026-${rng.pad(rng.int(1, 99999), 6)}","order":"ORD-${rng.digits(10)}","total":${rng.int(10, 999)}.00}`,
    () => `{"id":"ch_3Q${rng.chars(B62, 22)}","customer":"cus_${rng.chars(B62, 14)}","payment_intent":"pi_3Q${rng.chars(B62, 22)}"}`,
    () => `evt_1Q${rng.chars(B62, 22)} delivered to https://hooks.example.com/stripe (200)`,
    () => `order ${rng.int(200, 999)}${rng.digits(7)} shipped via UPS 1Z${rng.chars(UPPER + DIGITS, 16)}`,
    () => `{"message_id":"${maybeLuhn(rng, '11', 19)}","channel_id":"${maybeLuhn(rng, '10', 18)}"}`,
    () => `{"account_number_last4":"${rng.digits(4)}","routing_hint":"${rng.digits(2)}**"}`,
    () => `ULID ${'01J'}${rng.chars('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 23)} enqueued`,
    () => `{"_id":{"$oid":"${sha(rng, 24)}"},"trace":"00-${sha(rng, 32)}-${sha(rng, 16)}-01"}`,
    () => `snowflake=${maybeLuhn(rng, '1', rng.int(20, 24))} shard=${rng.int(0, 63)}`,
    () => `GET /orders/${rng.int(1000000000, 9999999999)} 200`,
    () => `sentry event_id=${sha(rng, 32)} release=api@${rng.int(1, 9)}.${rng.int(0, 40)}.${rng.int(0, 9)}`,
  ])() },
  { name: 'phone-like', count: 24, make: (rng) => rng.pick([
    () => `(${rng.pick(['123', '011', '199'])}) ${rng.int(200, 999)}-${rng.digits(4)} is not a valid NANP number`,
    () => `dial ${rng.int(200, 999)}-${rng.pick(['012', '123', '099'])}-${rng.digits(4)}? rejected: exchange cannot start with 0 or 1`,
    () => `{"zip":"${rng.digits(5)}-${rng.digits(4)}","date":"2026-${rng.pad(rng.int(1, 12), 2)}-${rng.pad(rng.int(1, 28), 2)}"}`,
    () => `ip=10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)} gw=192.168.${rng.int(0, 255)}.1 mask=255.255.255.0`,
    () => `build 2026.${rng.int(1, 12)}.${rng.int(1, 28)}.${rng.int(100, 9999)}`,
    () => `ports 8080-8089 and 30000-32767 open`,
    () => `{"count":${rng.int(1000000000, 9999999999)},"bytes":${rng.int(1000000000, 9999999999)}}`,
    () => `isbn 978-${rng.digits(1)}-${rng.digits(3)}-${rng.digits(5)}-${rng.digits(1)}`,
    () => `mac=${Array.from({ length: 6 }, () => rng.chars(HEX, 2)).join(':')} vlan=${rng.int(1, 4094)}`,
    () => `range 2026-11-01..2026-11-27 (${rng.int(1, 27)} days)`,
  ])() },
  { name: 'card-like', count: 26, make: (rng) => rng.pick([
    () => `card ${luhnInvalidCard(rng)} failed the Luhn check`,
    () => `{"number":"${luhnInvalidCard(rng)}","valid":false}`,
    () => `tracking ${luhnInvalidCard(rng).replace(/\D/g, '')}`,
    () => `{"gtin":"${rng.digits(14)}","sku":"SKU-${rng.digits(8)}"}`,
    () => `{"request_id":"${digitUuid(rng)}"}`,
    () => `{"phone_verified":true,"card_last4":"${rng.digits(4)}","card_brand":"visa","exp_month":${rng.int(1, 12)}}`,
    () => `**** **** **** ${rng.digits(4)}`,
    () => `masked pan ${rng.digits(6)}******${rng.digits(4)}`,
  ])() },
  { name: 'ssn-like', count: 20, make: (rng) => rng.pick([
    () => `invalid ssn 000-${rng.pad(rng.int(1, 99), 2)}-${rng.pad(rng.int(1, 9999), 4)} rejected`,
    () => `test value 666-${rng.pad(rng.int(1, 99), 2)}-${rng.pad(rng.int(1, 9999), 4)} is never issued`,
    () => `ITIN-shaped 9${rng.digits(2)}-${rng.pick(['70', '78', '88', '90'])}-${rng.digits(4)} not an SSN`,
    () => `${rng.pad(rng.int(1, 899), 3)}-00-${rng.pad(rng.int(1, 9999), 4)} has a zero group`,
    () => `${rng.pad(rng.int(1, 665), 3)}-${rng.pad(rng.int(1, 99), 2)}-0000 has a zero serial`,
    () => `"part":"ABX-${rng.digits(3)}-${rng.digits(2)}-${rng.digits(4)}-R2"`,
  ])() },
  { name: 'placeholder', count: 48, make: (rng) => rng.pick([
    () => `OPENAI_API_KEY=\${OPENAI_API_KEY}`,
    () => `ANTHROPIC_API_KEY=<your-api-key>`,
    () => `api_key: "YOUR_API_KEY_HERE"`,
    () => `export GITHUB_TOKEN=YOUR_TOKEN_HERE`,
    () => `client = OpenAI(api_key="sk-...")`,
    () => `Set ANTHROPIC_API_KEY to a key such as sk-ant-xxxx from the console.`,
    () => `password: "********"`,
    () => `DB_PASSWORD=`,
    () => `password=\${DB_PASSWORD}`,
    () => `"password": "[REDACTED]"`,
    () => `token: {{ secrets.GITHUB_TOKEN }}`,
    () => `Authorization: Bearer <token>`,
    () => `curl -H "Authorization: Bearer $ACCESS_TOKEN" https://api.example.com/me`,
    () => `curl -H "Authorization: Bearer \${TOKEN}" https://api.example.com/me`,
    () => `aws_secret_access_key = <secret-access-key>`,
    () => `ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`,
    () => `AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX`,
    () => `stripe.api_key = "sk_test_..."`,
    () => `SLACK_BOT_TOKEN=xoxb-your-bot-token`,
    () => `postgres://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST}:5432/app`,
    () => `mongodb://<username>:<password>@localhost:27017`,
    () => `GET /v1/export?token=<token>&format=csv`,
    () => `https://maps.googleapis.com/maps/api/js?key=YOUR_API_KEY`,
    () => `password = os.environ["DB_PASSWORD"]`,
    () => `const apiKey = process.env.STRIPE_SECRET_KEY;`,
    () => `secret: xxx`,
    () => `"client_secret": "..."`,
    () => `PASSWORD=****`,
    () => `api_key=%(api_key)s`,
    () => `X-Api-Key: {{apiKey}}`,
    () => `password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256`,
    () => `private_key = file("~/.ssh/id_ed25519")`,
    () => `-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----`,
    () => `Authorization: Basic <base64(user:password)>`,
    () => `jwt: eyJ...`,
    () => `webhook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`,
  ])() },
  { name: 'aws-example', count: 14, make: (rng) => rng.pick([
    () => `aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
    () => `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE`,
    () => `"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"`,
    () => `export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY`,
    () => `# from the AWS docs: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
    () => `Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request`,
  ])() },
  { name: 'prose', count: 30, make: (rng) => rng.pick([
    () => `Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.`,
    () => `Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.`,
    () => `Your password must be at least 12 characters long and must not match your email.`,
    () => `Tokens expire after 15 minutes; refresh tokens last 30 days.`,
    () => `Paste the API key from your dashboard into the field below. We never show it again.`,
    () => logLine(rng, `password reset email sent to user ${rng.int(1, 99999)}`),
    () => logLine(rng, `invalid password for user id ${rng.int(1, 99999)} (attempt ${rng.int(1, 5)} of 5)`),
    () => logLine(rng, `token bucket refilled: ${rng.int(1, 100)} tokens available`),
    () => `The secret to good logs is to log less.`,
    () => `Rotate your keys every 90 days and revoke the old key once traffic has moved.`,
    () => `{"input_tokens":${rng.int(10, 99999)},"output_tokens":${rng.int(10, 9999)},"max_tokens":4096}`,
    () => `{"password_changed_at":"${isoTime(rng)}","password_min_length":12,"passwordless":false}`,
    () => `{"token_type":"Bearer","expires_in":3600,"secret_version":${rng.int(1, 9)}}`,
    () => `"key":"user:${rng.int(1, 99999)}:profile","ttl":300`,
    () => `The quick brown fox jumps over the lazy dog.`,
    () => `Call our support line during business hours, Monday to Friday.`,
  ])() },
  { name: 'css', count: 14, make: (rng) => rng.pick([
    () => `.btn-primary { color: #${sha(rng, 6)}; background: #${sha(rng, 8)}; border: 1px solid #${sha(rng, 3)}; }`,
    () => `--shadow: 0 1px 2px rgba(0, 0, 0, 0.${rng.int(1, 9)}), 0 ${rng.int(1, 8)}px ${rng.int(4, 24)}px rgba(15, 23, 42, 0.${rng.int(10, 40)});`,
    () => `class="flex items-center gap-2 rounded-lg bg-slate-900 px-4 py-2 text-sm text-white hover:bg-slate-700"`,
    () => `transform: matrix(1.0000, 0.0000, 0.0000, 1.0000, ${rng.int(0, 999)}.${rng.digits(4)}, ${rng.int(0, 999)}.${rng.digits(4)});`,
  ])() },
  { name: 'packages', count: 16, make: (rng) => rng.pick([
    () => `npm install @anthropic-ai/sdk@0.${rng.int(30, 60)}.${rng.int(0, 9)} @aws-sdk/client-s3@3.${rng.int(600, 900)}.0`,
    () => `added @types/node@20.19.${rng.int(1, 50)} from https://registry.npmjs.org/@types/node/-/node-20.19.${rng.int(1, 50)}.tgz`,
    () => `"dependencies": { "@fastify/cookie": "^11.0.1", "pino": "^9.5.0", "zod": "^4.1.12" }`,
    () => `import { createClient } from '@supabase/supabase-js@2'`,
    () => `pip install secret-handshake==0.${rng.int(1, 9)}.${rng.int(0, 9)} token-bucket==1.0.${rng.int(0, 9)} python-dotenv==1.0.1`,
  ])() },
  { name: 'k8s', count: 16, make: (rng) => rng.pick([
    () => `pod/${podName(rng)} 1/1 Running 0 ${rng.int(1, 59)}m`,
    () => `kubectl get secret stripe-keys -n payments -o jsonpath='{.data}'`,
    () => `secret/db-credentials created\nconfigmap/app-config configured\nserviceaccount/token-refresher unchanged`,
    () => `deployment.apps/${rng.pick(['api', 'worker', 'billing'])} rolled out (revision ${rng.int(2, 90)})`,
    () => `        envFrom:\n          - secretRef:\n              name: openai-api-key`,
    () => `Warning  FailedMount  ${rng.int(1, 59)}s  kubelet  MountVolume.SetUp failed for volume "tls-secret" : secret "api-tls" not found`,
  ])() },
  { name: 'paths', count: 16, make: (rng) => rng.pick([
    () => `/var/lib/postgresql/16/main/base/${rng.int(10000, 99999)}/${rng.int(1000, 9999)}`,
    () => `C:\\Users\\ada\\AppData\\Local\\Temp\\tmp${rng.chars(HEX, 4)}.tmp`,
    () => `loaded identity from /home/deploy/.ssh/id_ed25519 and ~/.aws/credentials`,
    () => `src/secrets/password-policy.ts:${rng.int(1, 300)}:${rng.int(1, 80)} - error TS2322`,
    () => `/etc/ssl/private/api.example.com.key: permission denied`,
    () => `s3://acme-backups/2026/11/${rng.int(10, 27)}/pg_dump_${sha(rng, 12)}.sql.gz`,
  ])() },
  { name: 'redacted', count: 20, make: (rng) => rng.pick([
    () => `{"user":"[REDACTED:email:${sha(rng, 8)}]","ok":true}`,
    () => `Authorization: Bearer [REDACTED:authorization-header:${sha(rng, 8)}]`,
    () => `password=[REDACTED:password-assignment:${sha(rng, 8)}] user=app`,
    () => logLine(rng, `charge failed for card [REDACTED:card-number:${sha(rng, 8)}]`),
    () => `OPENAI_API_KEY=[REDACTED:openai-key:${sha(rng, 8)}]`,
    () => `postgres://[REDACTED:url-credentials:${sha(rng, 8)}]@db.internal:5432/app`,
  ])() },
  { name: 'public-material', count: 20, make: (rng) => rng.pick([
    () => v.publicBlock(rng, '\n'),
    () => `{"jwks_uri":"https://auth.example.com/.well-known/jwks.json","kty":"RSA","n":"${rng.chars(B64URL, 342)}","e":"AQAB"}`,
    () => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${rng.chars(B64, 43)} deploy-key`,
    () => `<script src="https://js.stripe.com/v3/"></script><script>Stripe('pk_live_${rng.chars(B62, 24)}')</script>`,
    () => `STRIPE_PUBLISHABLE_KEY=pk_test_${rng.chars(B62, 99)}`,
    () => `age1${rng.chars('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}`,
  ])() },
  { name: 'email-like', count: 14, make: (rng) => rng.pick([
    () => `<img srcset="/img/logo@2x.png 2x, /img/logo@3x.png 3x">`,
    () => `@Component({ selector: 'app-root' }) export class AppComponent {}`,
    () => `follow @${rng.pick(['custodian_dev', 'acme_status'])} for status updates`,
    () => `npm ERR! 404 '@acme/internal-utils@${rng.int(1, 9)}.${rng.int(0, 9)}.${rng.int(0, 9)}' is not in this registry.`,
    () => `docker pull node@sha256:${sha(rng, 64)}`,
  ])() },
  { name: 'random-but-harmless', count: 16, make: (rng) => rng.pick([
    () => `traceparent: 00-${sha(rng, 32)}-${sha(rng, 16)}-01`,
    () => `X-Amzn-Trace-Id: Root=1-${sha(rng, 8)}-${sha(rng, 24)}`,
    () => `{"request_id":"req_${rng.chars(B62, 14)}","idempotency_key":"${v.uuid(rng)}"}`,
    () => `nonce=${sha(rng, 32)} csp-hash=sha256-${v.b64(rng.bytes(32))}`,
    () => `{"etag":"W/\\"${rng.chars(LOWER + DIGITS, 20)}\\"","object":"${v.uuid(rng)}.webp"}`,
    () => `build_id=${sha(rng, 32)} cache=hit layers=${rng.int(3, 30)}`,
  ])() },
];

export function negativeCases(rng: Rng): Array<{ text: string; note: string }> {
  const out: Array<{ text: string; note: string }> = [];
  const seen = new Set<string>();
  for (const c of categories) {
    let made = 0;
    for (let attempt = 0; made < c.count && attempt < c.count * 20; attempt++) {
      const text = c.make(rng);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ text, note: c.name });
      made++;
    }
  }
  return out;
}
