import { CustodianError } from '../errors.js';

/** How inactivity notices (C14) are sent. */
export interface NoticeMailer {
  /** An SMTP URL (`smtps://user:pass@mail.example.com`, `smtp://127.0.0.1:2525`), or nodemailer transport options. */
  smtp: string | Record<string, unknown>;
  from: string;
  /** Who sends it, as the policy names the organisation. */
  organization: string;
  /** Where the person signs in to keep their account; named in the mail when given. */
  signInUrl?: string;
}

export interface DeletionNotice {
  to: string;
  /** When the data goes unless the person comes back. */
  deleteAt: Date;
  /** The inactivity period, in words: `2 years`. */
  inactiveFor: string;
}

/**
 * Tells a person their data will be deleted for inactivity, and how to keep
 * it (C14). The mail names the date and the way back — never anything else
 * about them. nodemailer is loaded on first use.
 */
export async function sendDeletionNotice(mailer: NoticeMailer, notice: DeletionNotice): Promise<{ messageId: string }> {
  const nodemailer = (await import('nodemailer')).default;
  const transport = nodemailer.createTransport(mailer.smtp as Parameters<typeof nodemailer.createTransport>[0]);
  const on = notice.deleteAt.toISOString().slice(0, 10);
  const text = [
    `You have not used your ${mailer.organization} account for ${notice.inactiveFor}.`,
    '',
    `Unless you sign in before ${on}, ${mailer.organization} will delete the personal data it holds about you on that day.`,
    mailer.signInUrl ? `Sign in here to keep it: ${mailer.signInUrl}` : 'Signing in once before then keeps it.',
    '',
    'You need do nothing if you are happy for it to be deleted.',
  ].join('\n');
  try {
    const info = (await transport.sendMail({ from: mailer.from, to: notice.to, subject: `Your ${mailer.organization} data will be deleted on ${on}`, text })) as { messageId: string };
    return { messageId: info.messageId };
  } catch (error) {
    throw new CustodianError('ERR_MAIL_SEND_FAILED', 'the pre-deletion notice could not be sent', { cause: error, hint: 'check the SMTP URL and that the server accepts mail from this sender' });
  } finally {
    transport.close();
  }
}
