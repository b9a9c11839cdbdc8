// The logger leaves pino's own head ({"level":…,"time":…") out of the scan (src/logging/logger.ts):
// only that exact shape is skipped, and every line comes out as if all of it had been scanned.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createRedactor, type Redactor } from '@custodian/core/redact';
import { createLogger } from '@custodian/server';
import { pinoHeadLength } from '../../src/logging/logger.js';

const corpusTexts = ['corpus', 'held-out'].flatMap((dir) => {
  const url = new URL(`../../../core/test/redact/${dir}/`, import.meta.url);
  return readdirSync(url)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(new URL(f, url), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text));
});

test('the head is skipped only when the line starts with exactly pino’s level and ISO time', () => {
  const time = '2026-11-27T09:00:00.000Z';
  for (const label of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) {
    const head = `{"level":"${label}","time":"${time}"`;
    assert.equal(pinoHeadLength(`${head},"msg":"x"}\n`), head.length, label);
    assert.equal(pinoHeadLength(`${head}}\n`), head.length, label);
  }
  for (const line of [
    `{"level":"verbose","time":"${time}","msg":"x"}`, // not one of pino's labels
    `{"level":"info","time":"+010000-01-01T00:00:00.000Z","msg":"x"}`, // a year past 9999
    `{"level":"info","time":"2026-11-27T09:00:00Z","msg":"x"}`, // no milliseconds
    `{"level":"info","time":"2026-11-27 09:00:00.000Z","msg":"x"}`,
    `{"level":"info","time":"2026-11-27T09:00:00.000Z,"msg":"x"}`, // no closing quote
    `{"level":"info","time":1764234000000,"msg":"x"}`,
    ` {"level":"info","time":"${time}","msg":"x"}`,
    `{"time":"${time}","level":"info","msg":"x"}`,
    `{"level":"info","msg":"x"}`,
    '',
  ]) {
    assert.equal(pinoHeadLength(line), 0, line);
  }
});

test('A5, B4: a line whose head is skipped is redacted exactly as the whole line would be — corpus texts as messages, fields and error stacks, at every level', () => {
  for (const options of [{}, { keepPrefixes: true }, { denyKeys: ['internal_ref'], patterns: [{ name: 'ticket', pattern: 'TCK-\\d{6}' }] }]) {
    const real = createRedactor({ tagKey: new Uint8Array(32), ...options });
    const pairs: Array<[string, string]> = [];
    // Writes what the logger produced and, beside it, the whole raw line redacted from its start.
    const spy: Redactor = { ...real, string: (line, from) => (pairs.push([line, real.string(line)]), real.string(line, from)) };
    const out: string[] = [];
    const logger = createLogger({ level: 'trace', destination: { write: (l: string) => void out.push(l) }, redactor: spy });
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
    corpusTexts.forEach((text, i) => {
      const level = levels[i % levels.length]!;
      if (i % 3 === 0) logger[level](text);
      else if (i % 3 === 1) logger[level]({ body: text, nested: { value: text } }, 'request body');
      else logger[level]({ err: Object.assign(new Error('failed'), { stack: `Error: failed\n    at ${text}\n    at run (/app/x.js:1:2)` }) }, 'failed');
    });
    assert.equal(out.length, corpusTexts.length);
    assert.equal(pairs.length, out.length);
    let skipped = 0;
    out.forEach((written, i) => {
      const [raw, whole] = pairs[i]!;
      if (pinoHeadLength(raw) > 0) skipped++;
      assert.equal(written, whole, raw);
    });
    assert.equal(skipped, out.length, 'every line had pino’s head');
  }
});
