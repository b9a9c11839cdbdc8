// Regenerates the labelled redaction corpus: node --import tsx packages/core/test/redact/corpus/generate.ts
// Deterministic: the same seed gives byte-identical files. Every value is a fake from a seeded
// generator; nothing here is a real credential or a real person's data.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from './gen/rng.js';
import { wrap, type Maker } from './gen/contexts.js';
import { genericMakers } from './gen/generic.js';
import { mixedCases } from './gen/mixed.js';
import { negativeCases } from './gen/negatives.js';
import { personalMakersByKind } from './gen/personal.js';
import { secret, type Case } from './gen/types.js';
import { vendorMakers } from './gen/vendor.js';
import { extraCases, genericExtras, negativeMentions, personalExtras, vendorExtras } from './gen/extras.js';

const SEED = 'custodian-redact-corpus-v1';

const COUNTS: Record<string, number> = {
  'anthropic-key': 60, 'openai-key': 60, 'github-token': 90, 'aws-access-key-id': 60, 'aws-secret-key': 55,
  'stripe-key': 60, 'slack-token': 60, 'slack-webhook': 50, 'google-api-key': 55,
  'authorization-header': 80, jwt: 60, 'private-key': 50, 'url-credentials': 80, 'password-assignment': 90, 'generic-secret': 80,
  email: 90, 'card-number': 80, 'us-ssn': 70, 'phone-number': 90,
};

/** Vendor keys at the edges of a text and against punctuation, where boundaries go wrong. */
const EDGE_TEMPLATES: Array<(k: string) => string> = [
  (k) => k,
  (k) => `(${k})`,
  (k) => `key: \`${k}\`.`,
  (k) => `["${k}"]`,
  (k) => `'${k}',`,
  (k) => `<${k}>`,
];

function family(rng: Rng, makers: Record<string, Maker[]>, edges: boolean): Case[] {
  const out: Case[] = [];
  for (const [kind, list] of Object.entries(makers)) {
    const total = COUNTS[kind] ?? 50;
    // An AWS secret key is only recognisable by its context, so it gets no bare-value cases.
    const edgeCount = edges && kind !== 'aws-secret-key' ? EDGE_TEMPLATES.length : 0;
    for (let i = 0; i < total - edgeCount; i++) {
      const frag = rng.pick(list)(rng);
      out.push({ text: wrap(rng, frag), secrets: frag.secrets, ...(frag.note ? { note: frag.note } : {}) });
    }
    for (const edge of EDGE_TEMPLATES.slice(0, edgeCount)) {
      let frag = rng.pick(list)(rng);
      while (frag.secrets.length !== 1) frag = rng.pick(list)(rng);
      const s = frag.secrets[0]!;
      out.push({ text: edge(s.value), secrets: [secret(s.kind, s.value)], note: 'boundary: value against punctuation or alone' });
    }
  }
  return out;
}

/** Labels every case must satisfy; a broken generator fails here rather than in the test. */
function finish(cases: Case[], file: string): Case[] {
  const seen = new Set<string>();
  const out: Case[] = [];
  for (const c of cases) {
    if (seen.has(c.text)) continue;
    seen.add(c.text);
    const secrets = c.secrets.filter((s, i) => c.secrets.findIndex((o) => o.kind === s.kind && o.value === s.value) === i);
    for (const s of secrets) {
      if (!c.text.includes(s.value)) throw new Error(`${file}: label ${s.kind} not found in its text`);
      if (s.kind === 'github-token' && s.value.includes('.')) s.alsoAccept = [...new Set([...(s.alsoAccept ?? []), 'jwt'])];
    }
    out.push({ text: c.text, secrets, ...(c.note ? { note: c.note } : {}) });
  }
  return out;
}

function write(name: string, cases: Case[]): void {
  const path = fileURLToPath(new URL(name, import.meta.url));
  const checked = finish(cases, name);
  writeFileSync(path, checked.map((c) => JSON.stringify(c)).join('\n') + '\n');
  console.log(`${name}: ${checked.length} lines, ${checked.reduce((n, c) => n + c.secrets.length, 0)} labelled values`);
}

const rng = new Rng(SEED);
write('vendor-keys.jsonl', [...family(rng, vendorMakers, true), ...extraCases(`${SEED}:vendor-extras`, vendorExtras, 3)]);
write('generic.jsonl', [...family(rng, genericMakers, false), ...extraCases(`${SEED}:generic-extras`, genericExtras, 4)]);
write('personal.jsonl', [...family(rng, personalMakersByKind, false), ...extraCases(`${SEED}:personal-extras`, personalExtras, 4)]);
write('negatives.jsonl', [
  ...negativeCases(rng).map((n) => ({ text: n.text, secrets: [], note: n.note })),
  ...negativeMentions.map((text) => ({ text, secrets: [], note: 'mentions a format without a value' })),
]);
write('mixed-logs.jsonl', mixedCases(rng, 200));
