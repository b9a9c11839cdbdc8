/**
 * Documented examples per detector: each positive's `secret` must be redacted
 * (with that kind), each negative must come out unchanged. docs/redaction.md
 * shows the same examples; every value here is made up.
 */
export interface Example {
  text: string;
  /** The part that must disappear; absent for negatives. */
  secret?: string;
}

const ANT = 'sk-ant-api03-' + 'Jx7kQ2mZp9Lw4Rt8Vb3Nc6Hd1Fg5Ys0Ue2Ai7Oo9Pq4Lr6Ks8Mt3Nv5Bw1Cx7Dz2Ey4Fa6Gb8Hc0Id3Je5Kf7Lg9Mh1Ni3Oj5P' + 'AA';
const GHP = 'ghp_' + 'R4nd0mT0k3nV4lu3Xy9Zq8Wp7Lm6Kj5Hg4Ab'; // 36 after the prefix
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiaWF0IjoxNzY0MjUxMjI4fQ.Qm9ndXNTaWduYXR1cmVGb3JUZXN0c09ubHkxMjM0NTY';

export const EXAMPLES: Record<string, { positive: Example[]; negative: Example[] }> = {
  'anthropic-key': {
    positive: [{ text: `ANTHROPIC_API_KEY=${ANT}`, secret: ANT }, { text: `x-api-key: sk-ant-admin01-${'Zq9'.repeat(30)}AA`, secret: `sk-ant-admin01-${'Zq9'.repeat(30)}AA` }],
    negative: [{ text: 'set ANTHROPIC_API_KEY=sk-ant-xxxx first' }, { text: 'keys look like sk-ant-api03-...' }],
  },
  'openai-key': {
    positive: [
      { text: `OPENAI_API_KEY="sk-proj-${'aB3dE5fG7h'.repeat(12)}"`, secret: `sk-proj-${'aB3dE5fG7h'.repeat(12)}` },
      { text: `key sk-${'Ab12Cd34Ef56Gh78Ij90'}T3BlbkFJ${'Kl12Mn34Op56Qr78St90'} used`, secret: `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` },
    ],
    negative: [{ text: 'export OPENAI_API_KEY=sk-...' }, { text: 'the disk-usage-report ran' }],
  },
  'github-token': {
    positive: [
      { text: `git clone https://${GHP}@github.com/acme/app`, secret: GHP },
      { text: `token ghs_${'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2'}.eyJ2IjoxfQ.${'Zz9Yy8Xx7'} end`, secret: `ghs_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2.eyJ2IjoxfQ.Zz9Yy8Xx7` },
      { text: `GITHUB_TOKEN=github_pat_11ABCDEFG0${'aBcDeFgHiJ'.repeat(7)}`, secret: `github_pat_11ABCDEFG0${'aBcDeFgHiJ'.repeat(7)}` },
    ],
    negative: [{ text: 'use a ghp_ token with repo scope' }, { text: 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8' }],
  },
  'aws-access-key-id': {
    positive: [{ text: 'aws_access_key_id = AKIA2E3F4G5H6J7K7L2M', secret: 'AKIA2E3F4G5H6J7K7L2M' }],
    negative: [{ text: 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE' }, { text: 'AKIAS is not a key' }],
  },
  'aws-secret-key': {
    positive: [{ text: 'aws_secret_access_key = Ab3/Kd8+pq7sLm2Xc9Vb1Nz4Rt6Yw0Hj5Gf8Ds2Q', secret: 'Ab3/Kd8+pq7sLm2Xc9Vb1Nz4Rt6Yw0Hj5Gf8Ds2Q' }],
    negative: [{ text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, { text: 'checksum Ab3/Kd8+pq7sLm2Xc9Vb1Nz4Rt6Yw0Hj5Gf8Ds2Q' }],
  },
  'stripe-key': {
    positive: [{ text: `Stripe.apiKey = "sk_live_${'51HxYz2Ab3Cd4Ef5Gh6'}"`, secret: 'sk_live_51HxYz2Ab3Cd4Ef5Gh6' }, { text: 'whsec_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed', secret: 'whsec_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed' }],
    negative: [{ text: 'publishable pk_live_51HxYz2Ab3Cd4Ef5Gh6 is public' }, { text: 'run the sk_test_ suite' }],
  },
  'slack-token': {
    positive: [{ text: 'SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', secret: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx' }],
    negative: [{ text: 'a xoxb- token is a bot token' }],
  },
  'slack-webhook': {
    positive: [{ text: 'post to https://hooks.slack.com/services/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', secret: 'T024BE7LD/B08ABCD1234/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2' }],
    negative: [{ text: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX' }],
  },
  'google-api-key': {
    positive: [{ text: 'maps?key=AIzaSyD4x9Kq2Lm7Np3Rs8Tu1Vw6Xy0Za5Bc-De', secret: 'AIzaSyD4x9Kq2Lm7Np3Rs8Tu1Vw6Xy0Za5Bc-De' }],
    negative: [{ text: 'AIza is the prefix of Google API keys' }],
  },
  'authorization-header': {
    positive: [
      { text: 'curl -H "Authorization: Bearer 4f9c2a7e0d1b4c559a615b7f0e8d2c11" https://api.example.com', secret: '4f9c2a7e0d1b4c559a615b7f0e8d2c11' },
      { text: '{"authorization":"Basic YWRhOnMzY3IzdC1wYXNzd29yZA=="}', secret: 'YWRhOnMzY3IzdC1wYXNzd29yZA==' },
    ],
    negative: [{ text: 'send an Authorization header with a bearer token' }, { text: 'Authorization: Bearer ${TOKEN}' }],
  },
  jwt: {
    positive: [{ text: `cookie session=${JWT}; Path=/`, secret: JWT }],
    negative: [{ text: 'a JWT starts with eyJ because {" encodes that way' }],
  },
  'private-key': {
    positive: [
      { text: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' },
      { text: '{"pem":"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7Vx9q\\nbW9yZSBrZXkgYnl0ZXM=\\n-----END RSA PRIVATE KEY-----"}', secret: 'MIIEowIBAAKCAQEA7Vx9q' },
    ],
    negative: [{ text: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----' }],
  },
  'url-credentials': {
    positive: [
      { text: 'DATABASE_URL=postgres://app:S3cr3t-pw@db.internal:5432/app', secret: 'S3cr3t-pw' },
      { text: 'GET /export?format=csv&token=9f8e7d6c5b4a39281706 200', secret: '9f8e7d6c5b4a39281706' },
    ],
    negative: [{ text: 'postgres://app@db.internal:5432/app' }, { text: 'https://example.com/search?q=token+limits&page=2' }],
  },
  'password-assignment': {
    positive: [
      { text: 'DB_PASSWORD=hunter2-correct', secret: 'hunter2-correct' },
      { text: '{"user":"ada","password":"correct horse battery staple"}', secret: 'correct horse battery staple' },
      { text: "conn = connect(host, password='Tr0ub4dor&3')", secret: 'Tr0ub4dor&3' },
      { text: 'POST /login?user=ada&password=pa55word!', secret: 'pa55word!' },
    ],
    negative: [{ text: 'password=${DB_PASSWORD}' }, { text: 'the password field must be at least 12 characters' }, { text: 'password: ********' }],
  },
  'generic-secret': {
    positive: [{ text: 'client_secret: "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"', secret: '9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c' }, { text: 'X-Api-Key: Zk3mP9qR2sT7vW1xY5zA8bC4dE6fG0hJ', secret: 'Zk3mP9qR2sT7vW1xY5zA8bC4dE6fG0hJ' }],
    negative: [{ text: 'max_tokens: 4096' }, { text: 'api_key: your-api-key-here' }, { text: 'token_type: bearer' }],
  },
  email: {
    positive: [{ text: 'invite sent to ada.lovelace+test@example.com', secret: 'ada.lovelace+test@example.com' }],
    negative: [{ text: 'logo icon@2x.png loaded' }, { text: 'npm i @types/node@20.11.1' }, { text: 'git@github' }],
  },
  'card-number': {
    positive: [
      { text: 'card 4111 1111 1111 1111 declined', secret: '4111 1111 1111 1111' },
      { text: 'pan=5555555555554444', secret: '5555555555554444' },
      { text: 'amex 3782-822463-10005', secret: '3782-822463-10005' },
    ],
    negative: [
      { text: 'card 4111 1111 1111 1112 (fails Luhn)' },
      { text: 'id 123e4567-e89b-12d3-a456-426614174000' },
      { text: '"time":1764251228447' },
      { text: 'ratio 0.4111111111111111' },
      { text: 'version 4111111111111111.2.3' },
    ],
  },
  'us-ssn': {
    positive: [{ text: 'ssn 123-45-6789 on file', secret: '123-45-6789' }, { text: '{"ssn":"078051120"}', secret: '078051120' }],
    negative: [{ text: 'ssn 000-12-3456' }, { text: 'ssn 666-12-3456' }, { text: 'ssn 912-12-3456' }, { text: 'ref 123-00-6789' }, { text: 'date 2026-11-27' }],
  },
  'phone-number': {
    positive: [
      { text: 'call +14155552671 now', secret: '+14155552671' },
      { text: 'tel: +44 20 7946 0958', secret: '+44 20 7946 0958' },
      { text: 'office (415) 555-2671', secret: '(415) 555-2671' },
      { text: 'cell 415-555-2671', secret: '415-555-2671' },
    ],
    negative: [{ text: 'order 4155552671 shipped' }, { text: 'version 1.415.555.2671' }, { text: 'at 2026-11-27 13:47:08' }],
  },
};
