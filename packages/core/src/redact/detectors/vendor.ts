import { githubChecksumValid, isPlaceholder } from '../validators.js';
import { HIGH, MEDIUM, type Detector } from './types.js';

// Token characters and boundaries shared by the vendor formats below. A
// lookbehind/lookahead on the token alphabet keeps a match from starting or
// ending inside a longer token.
const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';

const notPlaceholder = (secret: string) => (isPlaceholder(secret) ? false : HIGH);
const prefixUpTo = (sep: string, count: number) => (secret: string) => {
  let at = -1;
  for (let i = 0; i < count; i++) at = secret.indexOf(sep, at + 1);
  return at < 0 ? 0 : at + 1;
};

/** Vendor API keys: literal prefixes make them precise; each is matched to the end of the token. */
export const VENDOR_DETECTORS: readonly Detector[] = [
  {
    kind: 'anthropic-key',
    keywords: ['sk-ant-'],
    lead: 0,
    pattern: new RegExp(`${B}sk-ant-(?:api|admin|oat)\\d{2}-[A-Za-z0-9_-]{20,300}${E}`, 'g'),
    validate: notPlaceholder,
    keepPrefix: prefixUpTo('-', 3),
    priority: 90,
  },
  {
    kind: 'openai-key',
    keywords: ['sk-'],
    lead: 0,
    // sk-proj-, sk-svcacct-, sk-admin- keys; legacy sk- + 48 characters (with T3BlbkFJ, "OpenAI" in base64, inside).
    pattern: new RegExp(`${B}sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,300}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,64})${E}`, 'g'),
    validate: (secret) => (isPlaceholder(secret) ? false : secret.includes('T3BlbkFJ') ? HIGH : MEDIUM),
    keepPrefix: (secret) => (/^sk-(?:proj|svcacct|admin|None)-/.test(secret) ? secret.indexOf('-', 3) + 1 : 3),
    priority: 80,
  },
  {
    kind: 'github-token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    lead: 0,
    // Classic: prefix + 36 base62 (the last 6 a CRC32 checksum). Newer installation
    // tokens (ghs_) are longer and may hold dots: matched to their end, so no tail is left.
    pattern: new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9][A-Za-z0-9._-]{29,1000}|github_pat_[A-Za-z0-9_]{40,255})${E}`, 'g'),
    validate: (secret) => {
      if (isPlaceholder(secret)) return false;
      // A trailing dot ends the sentence, not the token.
      const trim = secret.length - secret.replace(/[.-]+$/, '').length;
      const token = secret.slice(0, secret.length - trim);
      if (token.startsWith('gh') && token.length < 40) return false;
      return { confidence: githubChecksumValid(token) || token.startsWith('github_pat_') ? 'high' : 'medium', trimEnd: trim };
    },
    keepPrefix: (secret) => (secret.startsWith('github_pat_') ? 11 : 4),
    priority: 90,
  },
  {
    kind: 'aws-access-key-id',
    keywords: ['A3T', 'AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'APKA'],
    lead: 0,
    pattern: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
    validate: notPlaceholder,
    keepPrefix: () => 4,
    priority: 85,
  },
  {
    kind: 'aws-secret-key',
    words: ['secretaccesskey', 'secret_access_key', 'aws_secret', 'awssecret'],
    // Only with context: 40 base64 characters alone are too common to call a secret.
    pattern: /(?:secret_?access_?key|SecretAccessKey|aws_?secret(?:_?key)?)(?:\\?["'])?\s{0,5}(?::=|=>|[:=])\s{0,5}(?:\\?["'])?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    validate: notPlaceholder,
    priority: 85,
  },
  {
    kind: 'stripe-key',
    keywords: ['_live_', '_test_', 'whsec_'],
    lead: 2,
    // Secret and restricted keys, and webhook signing secrets; publishable pk_ keys are public by design.
    pattern: new RegExp(`${B}(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9+/=]{24,100})${E}`, 'g'),
    validate: notPlaceholder,
    keepPrefix: (secret) => secret.indexOf('_', secret.startsWith('whsec_') ? 0 : 3) + 1,
    priority: 90,
  },
  {
    kind: 'slack-webhook',
    keywords: ['hooks.slack.com'],
    lead: 8,
    pattern: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200}/g,
    validate: notPlaceholder,
    keepPrefix: (secret) => secret.indexOf('/', secret.indexOf('.com/') + 5) + 1,
    priority: 95,
  },
  {
    kind: 'slack-token',
    keywords: ['xox', 'xapp-'],
    lead: 0,
    pattern: new RegExp(`${B}(?:xox[abposre](?:\\.xox[bp])?|xapp)-[A-Za-z0-9-]{10,300}${E}`, 'g'),
    validate: (secret) => {
      if (isPlaceholder(secret)) return false;
      const trim = secret.length - secret.replace(/-+$/, '').length;
      return /\d/.test(secret) ? { confidence: 'high', trimEnd: trim } : false;
    },
    keepPrefix: prefixUpTo('-', 1),
    priority: 90,
  },
  {
    kind: 'google-api-key',
    keywords: ['AIza'],
    lead: 0,
    pattern: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g'),
    validate: notPlaceholder,
    keepPrefix: () => 4,
    priority: 90,
  },
];
