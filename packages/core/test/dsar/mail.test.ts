import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sendExportLink } from '@custodian/core/dsar';
import { mailText, startSmtp } from './smtp.js';

let smtp: Awaited<ReturnType<typeof startSmtp>>;
before(async () => (smtp = await startSmtp()));
after(() => smtp.close());

test('B5: the export link is mailed through a real SMTP server, with its expiry and nothing else of the export', async () => {
  const url = `https://privacy.example/v1/exports?token=${'a'.repeat(120)}.${'b'.repeat(43)}`;
  const expiresAt = new Date('2026-12-04T12:00:00Z');
  await sendExportLink({ smtp: smtp.url, from: 'privacy@atelier.example', to: 'ada@example.com', url, expiresAt, organization: 'Atelier Workspace' });
  assert.equal(smtp.mails.length, 1);
  const [mail] = smtp.mails;
  assert.equal(mail!.from, 'privacy@atelier.example');
  assert.deepEqual(mail!.to, ['ada@example.com']);
  const text = mailText(mail!.raw);
  assert.ok(text.includes(url), 'the link, whole');
  assert.match(text, /until 2026-12-04 12:00:00 UTC/);
  assert.match(mail!.raw, /^Subject: Your data export from Atelier Workspace/m);
  assert.doesNotMatch(mail!.raw, /Content-Disposition: attachment/i, 'no attachment');
});

test('a mail the server cannot take is ERR_MAIL_SEND_FAILED, without the address or the link', async () => {
  await assert.rejects(
    sendExportLink({ smtp: 'smtp://127.0.0.1:1', from: 'privacy@atelier.example', to: 'ada@example.com', url: 'https://x.example/v1/exports/t', expiresAt: new Date(), organization: 'Atelier' }),
    (e: Error & { code?: string }) => e.code === 'ERR_MAIL_SEND_FAILED' && !e.message.includes('ada@') && !e.message.includes('/v1/exports/'),
  );
});
