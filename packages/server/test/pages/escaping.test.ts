import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PATHS, escapeHtml } from '@custodian/server';
import { html, safeHref } from '../../src/pages/html.js';
import { testPolicy } from '../helpers/policy.js';
import { testServer } from '../helpers/server.js';

const SCRIPT = '<script>alert(1)</script>';
const BREAKOUT = '"><img src=x onerror=alert(2)>';
const QUOTES = `O'Brien & "Sons" <b>`;

describe('HTML escaping', () => {
  test('escapeHtml escapes the five characters that matter in text and quoted attributes', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    assert.equal(escapeHtml('plain text, ünïcödé ✓'), 'plain text, ünïcödé ✓');
  });

  test('the html tag escapes every value, including inside arrays, and passes nested html through once', () => {
    const inner = html`<em>${SCRIPT}</em>`;
    const out = html`<p title="${BREAKOUT}">${[QUOTES, inner]}${null}${false}${undefined}${0}</p>`.value;
    assert.equal(
      out,
      '<p title="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;">O&#39;Brien &amp; &quot;Sons&quot; &lt;b&gt;<em>&lt;script&gt;alert(1)&lt;/script&gt;</em>0</p>',
    );
  });

  test('links accept only http(s) and mailto', () => {
    assert.equal(safeHref('javascript:alert(1)'), '#');
    assert.equal(safeHref('data:text/html,<script>'), '#');
    assert.equal(safeHref('not a url'), '#');
    assert.equal(safeHref('https://a.example/x?y="z"'), 'https://a.example/x?y=%22z%22');
  });

  test('hostile strings anywhere in the policy come out escaped on every page', async () => {
    const policy = testPolicy((p) => {
      p.organization!.name = SCRIPT;
      p.organization!.address = QUOTES;
      p.subjects!.candidate!.description = BREAKOUT;
      p.tables!.candidates!.description = SCRIPT;
      p.tables!.candidates!.purpose = BREAKOUT;
      p.tables!.candidates!.columns!.email!.description = QUOTES;
      p.tables!.candidates!.columns!.name!.erase = { action: 'set-literal', value: SCRIPT };
      p.tables!.billing_records!.erase = { action: 'retain', until: 'billing', reason: BREAKOUT };
      p.subprocessors![0]!.name = SCRIPT;
      p.subprocessors![1]!.purpose = BREAKOUT;
      p.regions![1]!.name = QUOTES;
      p.retention![0]!.description = SCRIPT;
      p.retention![2]!.reference = BREAKOUT;
      p.changes![0]!.summary = SCRIPT;
      p.requests = { jurisdictions: { gdpr: { name: BREAKOUT, deadline: '30d' } } };
    });
    const { app } = await testServer({ policy });
    for (const url of [PATHS.home, PATHS.privacy, PATHS.dataMap, PATHS.subprocessors]) {
      const body = (await app.inject({ url })).body;
      assert.ok(!body.includes('<script>'), `${url}: no script element`);
      assert.ok(!body.includes('<img'), `${url}: no injected element`);
      assert.ok(!body.includes(BREAKOUT), `${url}: no attribute breakout`);
      assert.ok(!body.includes(`O'Brien & "Sons" <b>`), `${url}: quotes and ampersands escaped`);
      assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${url}: the hostile text is shown, escaped`);
    }
    const json = (await app.inject({ url: `${PATHS.subprocessors}?format=json` })).json();
    assert.equal(json.subprocessors[0].name, SCRIPT, 'JSON carries the text as data, unchanged');
    await app.close();
  });
});
