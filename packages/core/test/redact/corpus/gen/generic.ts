// Credentials recognised by their surroundings rather than by a vendor prefix: headers,
// JWTs, PEM blocks, credentials in URLs, password assignments and key-like names.
import { B62, B64URL, HEX, Rng } from './rng.js';
import { assign, type Maker } from './contexts.js';
import { acceptedByName, secret, type Secret } from './types.js';
import * as v from './values.js';

function credential(rng: Rng): { scheme: string; value: string; secret: Secret } {
  const r = rng.int(0, 9);
  if (r < 4) {
    const value = v.opaqueToken(rng);
    return { scheme: 'Bearer', value, secret: secret('authorization-header', value, ['generic-secret']) };
  }
  if (r < 7) {
    const value = v.jwt(rng);
    return { scheme: 'Bearer', value, secret: secret('authorization-header', value, ['jwt']) };
  }
  const value = v.basicCredential(rng, rng.pick(['admin', 'deploy', 'api', 'svc-billing', 'grafana', 'ada']));
  return { scheme: 'Basic', value, secret: secret('authorization-header', value, ['password-assignment']) };
}

const HOSTS = ['api.example.com', 'internal.acme.test', 'billing.example.org', 'localhost:8080', 'grafana.example.net'];

const authorizationHeader: Maker[] = [
  (rng) => {
    const c = credential(rng);
    const host = rng.pick(HOSTS);
    const text = rng.pick([
      `curl -sS -H "Authorization: ${c.scheme} ${c.value}" https://${host}/v1/invoices?limit=20`,
      `curl -X POST https://${host}/v2/jobs -H 'Content-Type: application/json' -H 'Authorization: ${c.scheme} ${c.value}' -d '{"name":"nightly"}'`,
      `http GET https://${host}/me "Authorization:${c.scheme} ${c.value}"`,
    ]);
    return { text, secrets: [c.secret] };
  },
  (rng) => {
    const c = credential(rng);
    const host = rng.pick(HOSTS);
    const text = `${rng.pick(['GET', 'POST', 'DELETE'])} /api/v1/${rng.pick(['projects', 'users/me', 'exports', 'keys'])} HTTP/1.1\nHost: ${host}\nUser-Agent: ${rng.pick(['axios/1.7.9', 'python-requests/2.32.3', 'Go-http-client/1.1', 'curl/8.5.0'])}\nAccept: application/json\n${rng.pick(['Authorization', 'authorization', 'Proxy-Authorization'])}: ${c.scheme} ${c.value}\nX-Request-Id: ${v.uuid(rng)}`;
    return { text, secrets: [c.secret], multiline: true };
  },
  (rng) => {
    const c = credential(rng);
    const text = rng.pick([
      `{"req":{"method":"GET","url":"/v1/projects/${rng.int(1, 9999)}","headers":{"host":"${rng.pick(HOSTS)}","authorization":"${c.scheme} ${c.value}","accept":"*/*"}},"res":{"statusCode":401},"responseTime":${rng.int(2, 300)}}`,
      `{"headers":{"Authorization":"${c.scheme} ${c.value}"},"status":403}`,
      `headers = {"Authorization": "${c.scheme} ${c.value}", "Accept": "application/json"}`,
      `req.Header.Set("Authorization", "${c.scheme} ${c.value}")`,
      `axios.get(url, { headers: { Authorization: '${c.scheme} ${c.value}' } })`,
      `fetch("https://${rng.pick(HOSTS)}/graphql", { method: "POST", headers: { "authorization": "${c.scheme} ${c.value}" } })`,
    ]);
    return { text, secrets: [c.secret] };
  },
  (rng) => {
    const c = credential(rng);
    return { text: `upstream rejected request: status=401 authorization="${c.scheme} ${c.value}" path=/v1/sync`, secrets: [c.secret] };
  },
];

const jwtMakers: Maker[] = [
  (rng) => {
    const value = v.jwt(rng);
    const name = rng.pick(['id_token', 'access_token', 'refresh_token', 'jwt', 'session_token']);
    return { text: assign(rng, name, value, ['json', 'yaml', 'py', 'js', 'env', 'logfmt']), secrets: [secret('jwt', value, acceptedByName('jwt', name))] };
  },
  (rng) => {
    const value = v.jwt(rng);
    const text = rng.pick([
      `Set-Cookie: session=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=86400`,
      `Cookie: theme=dark; sid=${value}; _ga=GA1.2.${rng.int(100000000, 999999999)}.${rng.int(1600000000, 1799999999)}`,
      `JsonWebTokenError: invalid signature\n    at verify (/srv/app/node_modules/jsonwebtoken/verify.js:171:19)\n  token: '${value}'`,
      `TokenExpiredError: jwt expired at 2026-11-27T09:00:00.000Z (${value})`,
      `localStorage.setItem("auth", "${value}")`,
      `WARN verifying ${value} failed: kid not found in JWKS`,
      `ws://realtime.example.com/socket/websocket?vsn=2.0.0 upgrade with ${value}`,
    ]);
    return { text, secrets: [secret('jwt', value, ['generic-secret'])], multiline: text.includes('\n') };
  },
];

const SERVICE_ACCOUNT = 'uploader@acme-prod.iam.gserviceaccount.com';

const privateKeyMakers: Maker[] = [
  (rng) => {
    const value = v.privateKey(rng, '\n');
    return { text: rng.bool() ? value : `$ cat ~/.ssh/deploy_key\n${value}`, secrets: [secret('private-key', value)], multiline: true };
  },
  (rng) => {
    const value = v.privateKey(rng, '\\n');
    const text = rng.pick([
      `{"type":"service_account","project_id":"acme-prod-${rng.int(1000, 9999)}","private_key_id":"${rng.chars(HEX, 40)}","private_key":"${value}\\n","client_email":"${SERVICE_ACCOUNT}"}`,
      `JWT_PRIVATE_KEY="${value}\\n"`,
      `{"level":50,"msg":"failed to parse signing key","key":"${value}"}`,
    ]);
    const secrets = [secret('private-key', value, ['generic-secret'])];
    // A service account's address is still an email address; nothing in a log line says it is a robot.
    if (text.includes(SERVICE_ACCOUNT)) secrets.push(secret('email', SERVICE_ACCOUNT));
    return { text, secrets };
  },
  (rng) => {
    const raw = v.privateKey(rng, '\n');
    const indent = rng.pick(['    ', '  ']);
    const value = raw.split('\n').join(`\n${indent}`);
    const text = rng.pick([
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-api\ntype: kubernetes.io/tls\nstringData:\n  tls.key: |\n${indent}${value}`,
      `resource "tls_private_key" "imported" {\n  private_key_pem = <<EOT\n${indent}${value}\n  EOT\n}`,
    ]);
    return { text, secrets: [secret('private-key', value, ['generic-secret'])], multiline: true };
  },
];

const DB_URLS = [
  (c: string, rng: Rng) => `postgres://${c}@db-${rng.int(1, 9)}.internal:5432/app?sslmode=require`,
  (c: string) => `postgresql://${c}@pg.acme.test/analytics`,
  (c: string, rng: Rng) => `mongodb+srv://${c}@cluster0.${rng.chars('abcdefghijklmnopqrstuvwxyz0123456789', 5)}.mongodb.net/prod?retryWrites=true`,
  (c: string) => `amqp://${c}@rabbitmq.internal:5672/%2F`,
  (c: string) => `redis://${c}@cache.example.net:6379/0`,
  (c: string) => `mysql://${c}@10.0.12.7:3306/shop`,
  (c: string) => `https://${c}@git.example.com/platform/infra.git`,
  (c: string) => `ftp://${c}@files.example.org/exports/`,
  (c: string) => `smtp://${c}@smtp.mailgun.example:587`,
];

const QUERY_NAMES = ['token', 'api_key', 'access_token', 'key', 'apikey', 'auth_token', 'sig', 'client_secret'];

const urlCredentials: Maker[] = [
  (rng) => {
    const user = rng.pick(['app', 'admin', 'postgres', 'svc_reports', 'deploy', 'root', 'default']);
    const value = `${user}:${v.password(rng, true)}`;
    const url = rng.pick(DB_URLS)(value, rng);
    const text = rng.pick([
      url,
      `DATABASE_URL=${url}`,
      `error: connect ECONNREFUSED while connecting to ${url}`,
      `{"msg":"connecting","dsn":"${url}"}`,
      `psql "${url}" -c 'select 1'`,
    ]);
    return { text, secrets: [secret('url-credentials', value, ['password-assignment'])] };
  },
  (rng) => {
    const name = rng.pick(QUERY_NAMES);
    const value = name === 'sig' ? `${v.b64(rng.bytes(32)).replace(/\+/g, '%2B').replace(/\//g, '%2F').replace(/=/g, '%3D')}` : v.opaqueToken(rng);
    const path = rng.pick(['/v1/export', '/download', '/api/events', '/hooks/ingest', '/feeds/orders.csv']);
    const host = rng.pick(HOSTS);
    const query = rng.bool() ? `?${name}=${value}&page=${rng.int(1, 9)}` : `?format=json&${name}=${value}`;
    const text = rng.pick([
      `GET https://${host}${path}${query} 200 ${rng.int(3, 900)}ms`,
      `${rng.pick(['10.0.3.17', '172.16.4.9', '192.168.1.20'])} - - [27/Nov/2026:10:15:${rng.pad(rng.int(0, 59), 2)} +0000] "GET ${path}${query} HTTP/1.1" 200 ${rng.int(100, 99999)} "-" "curl/8.5.0"`,
      `{"level":"info","method":"GET","url":"${path}${query}","status":200}`,
      `wget -q -O out.json "https://${host}${path}${query}"`,
    ]);
    return { text, secrets: [secret('url-credentials', value, [...acceptedByName('url-credentials', name), ...(value.startsWith('eyJ') ? ['jwt'] : [])])] };
  },
  (rng) => {
    const value = v.jwt(rng);
    const text = `GET /ws/notifications?token=${value} 101 Switching Protocols`;
    return { text, secrets: [secret('url-credentials', value, ['jwt', 'generic-secret'])] };
  },
];

const PASSWORD_NAMES = ['password', 'PASSWORD', 'db_password', 'DB_PASSWORD', 'passwd', 'pwd', 'secret', 'POSTGRES_PASSWORD', 'admin_password', 'smtp_password', 'MYSQL_ROOT_PASSWORD', 'redis_password'];

const passwordAssignment: Maker[] = [
  (rng) => {
    const name = rng.pick(PASSWORD_NAMES);
    const value = v.password(rng);
    return { text: assign(rng, name, value), secrets: [secret('password-assignment', value, acceptedByName('password-assignment', name))] };
  },
  (rng) => {
    const value = v.password(rng, true);
    const text = rng.pick([
      `Server=tcp:sql-prod.database.windows.net,1433;Initial Catalog=app;User ID=app_rw;Password=${value};Encrypt=True;`,
      `jdbc:postgresql://db.internal:5432/app?user=app&password=${value}&ssl=true`,
      `POST /login username=ada&password=${value}&remember=1`,
      `spring.datasource.password=${value}`,
      `PGPASSWORD=${value} pg_dump -h db.internal -U app app > dump.sql`,
      `{"event":"signup","body":{"username":"grace_h","password":"${value}","plan":"pro"}}`,
      `ALTER USER reporting WITH PASSWORD '${value}';`,
      `  environment:\n    POSTGRES_USER: app\n    POSTGRES_PASSWORD: ${value}\n    POSTGRES_DB: app`,
      `User(username="alan", password="${value}", is_staff=True)`,
    ]);
    const viaUrl = text.startsWith('jdbc') || text.startsWith('POST');
    return { text, secrets: [secret('password-assignment', value, viaUrl ? ['url-credentials'] : [])], multiline: text.includes('\n') };
  },
  (rng) => {
    const value = rng.pick(['hunter2', 'changeme', 'P@ssw0rd', 'Summer2026!', 'letmein123', 'admin123', 'Welcome1!']);
    const text = rng.pick([`password=${value}`, `"password": "${value}"`, `DB_PASSWORD=${value}`, `password: ${value}`]);
    return { text, secrets: [secret('password-assignment', value)], note: 'a weak or well-known default is still the password in use' };
  },
];

const GENERIC_NAMES = ['api_key', 'apiKey', 'client_secret', 'auth_token', 'secret_key', 'private_token', 'app_secret', 'signing_key', 'webhook_secret', 'encryption_key', 'MAILGUN_API_KEY', 'DATADOG_API_KEY', 'TWILIO_AUTH_TOKEN', 'SENTRY_AUTH_TOKEN', 'access_token', 'refresh_token', 'x_api_key'];

const genericSecret: Maker[] = [
  (rng) => {
    const name = rng.pick(GENERIC_NAMES);
    const value = v.opaqueToken(rng);
    return { text: assign(rng, name, value), secrets: [secret('generic-secret', value, acceptedByName('generic-secret', name))] };
  },
  (rng) => {
    const value = rng.bool() ? v.opaqueToken(rng) : `SG.${rng.chars(B64URL, 22)}.${rng.chars(B64URL, 43)}`;
    const header = rng.pick(['X-Api-Key', 'x-api-key', 'X-Auth-Token', 'PRIVATE-TOKEN', 'X-Shopify-Access-Token', 'Api-Key']);
    const text = rng.pick([
      `curl -H "${header}: ${value}" https://${rng.pick(HOSTS)}/v1/status`,
      `{"headers":{"${header.toLowerCase()}":"${value}","user-agent":"node"}}`,
      `${header}: ${value}`,
    ]);
    return { text, secrets: [secret('generic-secret', value, [])] };
  },
  (rng) => {
    const value = v.opaqueToken(rng);
    const text = rng.pick([
      `{"client_id":"${rng.chars(B62, 20)}.apps.example.com","client_secret":"${value}","grant_type":"client_credentials"}`,
      `stripe_connect:\n  client_id: ca_${rng.chars(B62, 32)}\n  client_secret: ${value}`,
      `{"access_token":"${value}","token_type":"Bearer","expires_in":3600,"scope":"read write"}`,
    ]);
    return { text, secrets: [secret('generic-secret', value, ['password-assignment', 'authorization-header'])], multiline: text.includes('\n') };
  },
];

export const genericMakers: Record<string, Maker[]> = {
  'authorization-header': authorizationHeader,
  jwt: jwtMakers,
  'private-key': privateKeyMakers,
  'url-credentials': urlCredentials,
  'password-assignment': passwordAssignment,
  'generic-secret': genericSecret,
};
