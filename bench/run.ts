// `npm run bench -- <area> [--quick]`: runs bench/<area>.ts, which prints a
// readable table and, as its last line, one JSON object (see bench/README.md).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('./areas/', import.meta.url));
const areas = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const [area, ...rest] = process.argv.slice(2);

if (!area || area === '--help' || !areas.includes(area)) {
  process.stderr.write(`usage: npm run bench -- <area> [--quick]\nareas: ${areas.join(', ')}\n`);
  process.exit(area && area !== '--help' ? 2 : 0);
}
const file = `${dir}${area}.ts`;
if (!existsSync(file)) process.exit(2);
const mod = (await import(pathToFileURL(file).href)) as { run(options: { quick: boolean }): Promise<void> };
await mod.run({ quick: rest.includes('--quick') });
