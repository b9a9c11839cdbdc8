import type { FastifyReply, FastifyRequest } from 'fastify';
import { endSession, resolveSession, type OpenedSession } from '@custodian/core/auth';
import type { Database } from '@custodian/core/db';
import { clearSessionCookie, readSessionCookie, setSessionCookie, type CookieSettings } from './cookies.js';

/** Ends the session the browser's cookie names, if it is live. */
async function endCookieSession(db: Database, request: FastifyRequest, reason: 'signed-out' | 'revoked'): Promise<void> {
  const token = readSessionCookie(request);
  const current = token === null ? null : await resolveSession(db, token);
  if (current) await endSession(db, current.sessionId, { accountId: current.account.id, reason });
}

/** A new sign-in replaces the browser's session: the old one is ended, not left open behind a lost cookie. */
export async function replaceBrowserSession(db: Database, request: FastifyRequest, reply: FastifyReply, session: OpenedSession, settings: CookieSettings): Promise<void> {
  await endCookieSession(db, request, 'revoked');
  setSessionCookie(reply, session.token, session.expiresAt, settings);
}

/** Sign-out (A11): the session ends and the cookie is cleared, whether or not it was still live. */
export async function endBrowserSession(db: Database, request: FastifyRequest, reply: FastifyReply, settings: CookieSettings): Promise<void> {
  await endCookieSession(db, request, 'signed-out');
  clearSessionCookie(reply, settings);
}
