#!/usr/bin/env node
// Runs every *.test.ts under packages/ and examples/ with node's test runner
// through tsx. Node 20's runner takes no globs, so the files are listed here.
// Arguments narrow the run to files whose path contains any of them.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'examples'].map((d) => join(root, d));

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((dir) => walk(dir, []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// A file that opens with `// @run-alone` measures throughput or latency (a load test): it runs after the
// others, by itself, so another test file's work on this machine's two cores does not skew what it measures.
const alone = (f) => readFileSync(join(root, f), 'utf8').slice(0, 400).includes('// @run-alone');
const shared = files.filter((f) => !alone(f));
const solo = files.filter(alone);
const backend = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
const run = (list, concurrency) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...list], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  }).status ?? 1;
let status = 0;
if (shared.length > 0) {
  console.log(`running ${shared.length} test files on ${backend}`);
  status = run(shared, 2);
}
if (solo.length > 0) {
  console.log(`running ${solo.length} test files one at a time, alone on the machine (// @run-alone), on ${backend}`);
  status = run(solo, 1) || status;
}
process.exit(status);
