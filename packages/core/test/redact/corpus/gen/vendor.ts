// Vendor key formats, each in the places such keys turn up: env files, client code,
// headers, curl commands, error messages, SQL and URLs.
import { B62, Rng } from './rng.js';
import { assign, type Frag, type Maker } from './contexts.js';
import { acceptedByName, secret } from './types.js';
import * as v from './values.js';

/** The key under a name, in a random config or code syntax. */
function named(kind: string, names: string[], make: (rng: Rng) => string): Maker {
  return (rng) => {
    const name = rng.pick(names);
    const value = make(rng);
    return { text: assign(rng, name, value), secrets: [secret(kind, value, acceptedByName(kind, name))] };
  };
}

function bearer(kind: string, make: (rng: Rng) => string, host: string): Maker {
  return (rng) => {
    const value = make(rng);
    const text = rng.pick([
      `curl -sS https://${host}/v1/models -H "Authorization: Bearer ${value}"`,
      `> GET /v1/models HTTP/1.1\n> Host: ${host}\n> Authorization: Bearer ${value}\n> Accept: */*`,
      `{"method":"POST","url":"https://${host}/v1/messages","headers":{"authorization":"Bearer ${value}","content-type":"application/json"}}`,
      `requests.post("https://${host}/v1/chat", headers={"Authorization": f"Bearer ${value}"}, json=payload)`,
    ]);
    return { text, secrets: [secret(kind, value, ['authorization-header'])], multiline: text.includes('\n') };
  };
}

function inText(kind: string, make: (rng: Rng) => string, sentences: Array<(k: string, rng: Rng) => string>): Maker {
  return (rng) => {
    const value = make(rng);
    return { text: rng.pick(sentences)(value, rng), secrets: [secret(kind, value)] };
  };
}

const stack = (rng: Rng) => `\n    at ${rng.pick(['Client.request', 'APIClient.post', 'fetchWithRetry', 'Object.send'])} (/srv/app/node_modules/${rng.pick(['@anthropic-ai/sdk', 'openai', '@octokit/core', 'stripe'])}/dist/index.js:${rng.int(10, 900)}:${rng.int(5, 40)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`;

export const vendorMakers: Record<string, Maker[]> = {
  'anthropic-key': [
    named('anthropic-key', ['ANTHROPIC_API_KEY', 'anthropic_api_key', 'api_key', 'claude_key'], v.anthropicKey),
    (rng) => {
      const value = v.anthropicKey(rng);
      const text = rng.pick([
        `curl https://api.anthropic.com/v1/messages -H "x-api-key: ${value}" -H "anthropic-version: 2023-06-01" -d @body.json`,
        `client = anthropic.Anthropic(api_key="${value}")`,
        `const anthropic = new Anthropic({ apiKey: '${value}' });`,
        `{"headers":{"x-api-key":"${value}","anthropic-version":"2023-06-01"},"status":401}`,
      ]);
      return { text, secrets: [secret('anthropic-key', value, ['generic-secret'])] };
    },
    bearer('anthropic-key', v.anthropicKey, 'api.anthropic.com'),
    inText('anthropic-key', v.anthropicKey, [
      (k) => `AuthenticationError: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}} key=${k}`,
      (k, rng) => `Error: request failed for key ${k}${stack(rng)}`,
      (k) => `INSERT INTO integrations (provider, secret) VALUES ('anthropic', '${k}');`,
      (k) => `workspace,provider,key\nacme,anthropic,${k}`,
    ]),
  ],
  'openai-key': [
    named('openai-key', ['OPENAI_API_KEY', 'openai_api_key', 'api_key', 'OPENAI_KEY'], v.openaiKey),
    bearer('openai-key', v.openaiKey, 'api.openai.com'),
    (rng) => {
      const value = v.openaiKey(rng);
      const text = rng.pick([
        `client = OpenAI(api_key="${value}")`,
        `const openai = new OpenAI({ apiKey: "${value}", organization: "org-${rng.chars(B62, 24)}" });`,
        `openai.api_key = '${value}'`,
      ]);
      return { text, secrets: [secret('openai-key', value, ['generic-secret'])] };
    },
    inText('openai-key', v.openaiKey, [
      (k) => `openai.AuthenticationError: Error code: 401 - Incorrect API key provided: ${k}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      (k, rng) => `Unhandled rejection for ${k}${stack(rng)}`,
      (k) => `UPDATE tenant_settings SET llm_key = '${k}' WHERE tenant_id = 42;`,
    ]),
  ],
  'github-token': [
    named('github-token', ['GITHUB_TOKEN', 'GH_TOKEN', 'github_token', 'GITHUB_PAT'], (rng) => pickGithub(rng)),
    (rng) => {
      const value = pickGithub(rng);
      const text = rng.pick([
        `git clone https://x-access-token:${value}@github.com/acme/payments.git`,
        `remote: https://oauth2:${value}@github.com/acme/infra.git (fetch)`,
      ]);
      return { text, secrets: [secret('github-token', value, ['url-credentials', 'password-assignment'])] };
    },
    (rng) => {
      const value = pickGithub(rng);
      const text = rng.pick([
        `curl -H "Authorization: token ${value}" https://api.github.com/repos/acme/api/actions/runs`,
        `curl -H "Authorization: Bearer ${value}" -H "X-GitHub-Api-Version: 2022-11-28" https://api.github.com/installation/repositories`,
        `{"request":{"method":"GET","url":"https://api.github.com/user","headers":{"authorization":"token ${value}"}}}`,
      ]);
      return { text, secrets: [secret('github-token', value, ['authorization-header', 'jwt'])] };
    },
    (rng) => {
      const value = pickGithub(rng);
      const text = rng.pick([
        `//npm.pkg.github.com/:_authToken=${value}`,
        `echo ${value} | docker login ghcr.io -u deploy-bot --password-stdin`,
        `HttpError: Bad credentials - https://docs.github.com/rest (token ${value})`,
        `Octokit({ auth: "${value}" })`,
      ]);
      return { text, secrets: [secret('github-token', value, ['generic-secret', 'jwt'])] };
    },
  ],
  'aws-access-key-id': [
    named('aws-access-key-id', ['aws_access_key_id', 'AWS_ACCESS_KEY_ID', 'AccessKeyId', 'accessKeyId'], v.awsKeyId),
    inText('aws-access-key-id', v.awsKeyId, [
      (k) => `InvalidClientTokenId: The security token included in the request is invalid. (Service: Sts, Status Code: 403) access key ${k}`,
      (k) => `An error occurred (AccessDenied) when calling the PutObject operation: User arn:aws:iam::123456789012:user/ci is not authorized; key ${k}`,
      (k, rng) => `Credential=${k}/2026${rng.pad(rng.int(1, 11), 2)}${rng.pad(rng.int(1, 28), 2)}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date`,
      (k) => `aws configure set aws_access_key_id ${k} --profile ci`,
      (k) => `"Credentials": {"AccessKeyId": "${k}", "Expiration": "2026-11-27T16:00:00Z"}`,
    ]),
    (rng) => {
      const value = v.awsKeyId(rng);
      const text = `https://acme-uploads.s3.amazonaws.com/invoices/2026/inv-${rng.int(1000, 9999)}.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${value}%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T101500Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host`;
      return { text, secrets: [secret('aws-access-key-id', value, ['url-credentials'])] };
    },
  ],
  'aws-secret-key': [
    named('aws-secret-key', ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'SecretAccessKey', 'secretAccessKey'], v.awsSecret),
    (rng) => {
      const id = v.awsKeyId(rng);
      const value = v.awsSecret(rng);
      const text = rng.pick([
        `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${value}\nregion = eu-west-1`,
        `{"Credentials":{"AccessKeyId":"${id}","SecretAccessKey":"${value}","SessionToken":"IQoJb3JpZ2luX2VjE${rng.chars(B62, 60)}","Expiration":"2026-11-27T16:00:00Z"}}`,
        `new S3Client({ region: 'us-east-1', credentials: { accessKeyId: '${id}', secretAccessKey: '${value}' } })`,
        `AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${value} aws s3 ls s3://acme-backups`,
      ]);
      const sessionToken = /IQoJb3JpZ2luX2VjE[0-9A-Za-z]+/.exec(text)?.[0];
      const secrets = [secret('aws-access-key-id', id), secret('aws-secret-key', value, ['generic-secret', 'password-assignment'])];
      if (sessionToken) secrets.push(secret('generic-secret', sessionToken, ['aws-secret-key', 'password-assignment']));
      return { text, secrets, multiline: text.includes('\n') };
    },
  ],
  'stripe-key': [
    named('stripe-key', ['STRIPE_SECRET_KEY', 'stripe_api_key', 'api_key', 'STRIPE_WEBHOOK_SECRET', 'stripe.secret'], v.stripeKey),
    bearer('stripe-key', v.stripeKey, 'api.stripe.com'),
    inText('stripe-key', v.stripeKey, [
      (k) => `curl https://api.stripe.com/v1/charges -u ${k}: -d amount=2000 -d currency=usd`,
      (k) => `Stripe::StripeError: Invalid API Key provided: ${k}`,
      (k) => `const stripe = require('stripe')('${k}');`,
      (k) => `INSERT INTO payment_providers (name, key) VALUES ('stripe', '${k}');`,
      (k) => `stripe listen --forward-to localhost:4242/webhook --api-key ${k}`,
    ]),
  ],
  'slack-token': [
    named('slack-token', ['SLACK_BOT_TOKEN', 'slack_token', 'SLACK_APP_TOKEN', 'bot_token'], v.slackToken),
    bearer('slack-token', v.slackToken, 'slack.com'),
    inText('slack-token', v.slackToken, [
      (k) => `POST https://slack.com/api/chat.postMessage token=${k}&channel=C0${'6ABCD12'}&text=deploy+finished`,
      (k) => `slack_sdk.errors.SlackApiError: The request to the Slack API failed. (url: https://slack.com/api/auth.test) token ${k} {'ok': False, 'error': 'invalid_auth'}`,
      (k) => `new WebClient('${k}')`,
      (k) => `UPDATE workspace_integrations SET access_token = '${k}' WHERE id = 7;`,
    ]),
  ],
  'slack-webhook': [
    named('slack-webhook', ['SLACK_WEBHOOK_URL', 'slack_webhook', 'alert_webhook', 'webhook_url'], v.slackWebhook),
    inText('slack-webhook', v.slackWebhook, [
      (k) => `curl -X POST -H 'Content-type: application/json' --data '{"text":"Deploy finished"}' ${k}`,
      (k) => `POST ${k} failed: 404 no_service`,
      (k) => `{"alerts":{"channel":"#ops","url":"${k}"}}`,
      (k) => `requests.post("${k}", json={"text": msg}, timeout=5)`,
      (k) => `notify: ${k}`,
    ]),
  ],
  'google-api-key': [
    named('google-api-key', ['GOOGLE_API_KEY', 'apiKey', 'MAPS_API_KEY', 'firebase_api_key'], v.googleApiKey),
    (rng) => {
      const value = v.googleApiKey(rng);
      const text = rng.pick([
        `GET https://maps.googleapis.com/maps/api/geocode/json?address=1600+Amphitheatre&key=${value} 200 143ms`,
        `https://www.googleapis.com/youtube/v3/videos?part=snippet&id=dQw4w9WgXcQ&key=${value}`,
        `https://generativelanguage.googleapis.com/v1beta/models/gemini-pro:generateContent?key=${value}`,
      ]);
      return { text, secrets: [secret('google-api-key', value, ['url-credentials', 'generic-secret'])] };
    },
    inText('google-api-key', v.googleApiKey, [
      (k) => `const firebaseConfig = { apiKey: "${k}", authDomain: "acme-prod.firebaseapp.com", projectId: "acme-prod" };`,
      (k) => `googleapiclient.errors.HttpError: <HttpError 400 "API key not valid. Please pass a valid API key."> key=${k}`,
      (k) => `<meta name="google-maps-key" content="${k}">`,
    ]),
  ],
};

function pickGithub(rng: Rng): string {
  const style = rng.int(0, 11);
  if (style < 6) return v.githubClassic(rng, rng.pick(['ghp_', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']), style !== 0);
  if (style < 9) return v.githubFineGrained(rng);
  return v.githubStateless(rng);
}

export function vendorCase(rng: Rng, kind: string): Frag {
  return rng.pick(vendorMakers[kind]!)(rng);
}
