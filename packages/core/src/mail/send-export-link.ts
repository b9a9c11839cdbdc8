import { CustodianError } from '../errors.js';

export interface ExportLinkMail {
  /** An SMTP URL (`smtps://user:pass@mail.example.com`, `smtp://127.0.0.1:2525`), or nodemailer transport options. */
  smtp: string | Record<string, unknown>;
  from: string;
  to: string;
  /** The signed download link. */
  url: string;
  expiresAt: Date;
  /** Who sends it, as the policy names the organisation. */
  organization: string;
}

/**
 * Mails a person the link to their export (B5). The mail holds the link and
 * when it stops working — never the export itself, nor anything from it.
 * nodemailer is loaded on first use.
 *
 * @example
 * await sendExportLink({ smtp: process.env.SMTP_URL!, from: policy.requestsContact, to: 'ada@example.com', url, expiresAt, organization: policy.organization.name });
 */
export async function sendExportLink(mail: ExportLinkMail): Promise<{ messageId: string }> {
  const nodemailer = (await import('nodemailer')).default;
  const transport = nodemailer.createTransport(mail.smtp as Parameters<typeof nodemailer.createTransport>[0]);
  const until = mail.expiresAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const text = [
    `Your copy of the personal data ${mail.organization} holds about you is ready.`,
    '',
    `Download it here (the link works until ${until}):`,
    mail.url,
    '',
    'Anyone with this link can download the file, so please do not forward this message.',
    `If you did not ask for your data, reply to this message and ${mail.organization} will look into it.`,
  ].join('\n');
  try {
    const info = (await transport.sendMail({ from: mail.from, to: mail.to, subject: `Your data export from ${mail.organization}`, text })) as { messageId: string };
    return { messageId: info.messageId };
  } catch (error) {
    throw new CustodianError('ERR_MAIL_SEND_FAILED', 'the mail with the download link could not be sent', { cause: error, hint: 'check the SMTP URL and that the server accepts mail from this sender' });
  } finally {
    transport.close();
  }
}
