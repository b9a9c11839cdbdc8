import { createHash } from 'node:crypto';
import type { Policy } from '@custodian/core/policy';
import { PATHS } from '../paths.js';
import { html, SafeHtml } from './html.js';

/**
 * The one stylesheet every page shares, inline so a page is a single
 * response. The Content-Security-Policy allows exactly this block by its
 * hash, so no other inline style (and no style attribute) can run.
 */
const STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6475; --bg: #ffffff; --panel: #f5f7fa; --line: #dde2ea; --accent: #2357c6; --tag: #e8eefb; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa3b2; --bg: #14171d; --panel: #1b1f27; --line: #2c3240; --accent: #7aa2f7; --tag: #243049; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.site { border-bottom: 1px solid var(--line); background: var(--panel); }
header.site .inner, main, footer.site { max-width: 980px; margin: 0 auto; padding: 0 24px; }
header.site .inner { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; padding-top: 14px; padding-bottom: 14px; }
header.site .brand { font-weight: 650; color: var(--fg); text-decoration: none; }
nav a { margin-right: 16px; color: var(--muted); text-decoration: none; font-size: 15px; }
nav a:hover, nav a[aria-current="page"] { color: var(--accent); }
main { padding-top: 8px; padding-bottom: 48px; }
h1 { font-size: 30px; line-height: 1.25; margin: 28px 0 4px; }
h2 { font-size: 21px; margin: 40px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 6px; }
a { color: var(--accent); }
p.lead { color: var(--muted); margin-top: 0; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 10px 0 18px; font-size: 15px; }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; background: var(--panel); }
code { font: 13.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); padding: 1px 5px; border-radius: 4px; }
.tag { display: inline-block; font-size: 12.5px; padding: 1px 8px; margin: 1px 4px 1px 0; border-radius: 10px; background: var(--tag); white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 14px; margin: 20px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; background: var(--panel); }
.card h3 { margin: 0 0 6px; color: var(--accent); }
a.card { color: inherit; text-decoration: none; }
a.card:hover { border-color: var(--accent); }
.card p { margin: 0; color: var(--muted); font-size: 15px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
section.table { margin-bottom: 28px; }
footer.site { border-top: 1px solid var(--line); padding-top: 14px; padding-bottom: 28px; color: var(--muted); font-size: 14px; }
`;

/** The CSP source that allows the stylesheet above and nothing else inline. */
export const STYLE_CSP_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const NAV: ReadonlyArray<[href: string, label: string]> = [
  [PATHS.privacy, 'Privacy'],
  [PATHS.subprocessors, 'Sub-processors'],
  [PATHS.dataMap, 'Data map'],
  [PATHS.policy, 'Policy JSON'],
  [PATHS.securityTxt, 'security.txt'],
];

export interface LayoutOptions {
  policy: Policy;
  title: string;
  /** The page's own path, marked in the navigation. */
  path: string;
  body: SafeHtml;
}

/** A complete HTML document around a page body. */
export function layout({ policy, title, path, body }: LayoutOptions): string {
  const org = policy.organization.name;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${org}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header class="site"><div class="inner">
<a class="brand" href="${PATHS.home}">${org}</a>
<nav>${NAV.map(([href, label]) => html`<a href="${href}"${path === href ? html` aria-current="page"` : ''}>${label}</a>`)}</nav>
</div></header>
<main>
${body}
</main>
<footer class="site">Generated from ${org}’s privacy policy, version ${policy.version}, effective ${policy.effectiveDate}. The same policy is enforced by the code that runs this service.</footer>
</body>
</html>
`.value;
}
