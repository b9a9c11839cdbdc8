import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * `__Host-` binds a cookie to this exact origin: browsers refuse it unless
 * it is Secure, has Path=/ and no Domain, so no subdomain can set or read it.
 */
export const SESSION_COOKIE = '__Host-custodian_session';

/**
 * Ties a started sign-in to the browser that started it: the callback is
 * honoured only from a browser holding the same state (login CSRF: otherwise
 * someone could finish their own sign-in in another person's browser).
 */
export const SIGNIN_COOKIE = '__Host-custodian_signin';

/** Longest cookie header we look through; Node caps all headers at 16 KiB anyway. */
const MAX_HEADER = 8192;

export interface CookieSettings {
  sameSite: 'lax' | 'strict';
}

/**
 * One cookie's value, or null. Malformed or oversized headers read as "no
 * cookie" (a bad cookie is never an error), and two cookies of the name mean
 * someone planted one, so neither is trusted.
 */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > MAX_HEADER) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

export const readSessionCookie = (request: FastifyRequest) => readCookie(request, SESSION_COOKIE);

/**
 * Every cookie we set: HttpOnly (no script reads it), Secure (never sent in
 * clear), host-only for the whole site. Clearing repeats the attributes,
 * since browsers match a cookie on name, path and domain.
 */
function setCookie(reply: FastifyReply, name: string, value: string | null, maxAgeSeconds: number, sameSite: CookieSettings['sameSite']): void {
  const lifetime = value === null ? 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT' : `Max-Age=${maxAgeSeconds}`;
  reply.header('set-cookie', `${name}=${value ?? ''}; Path=/; ${lifetime}; HttpOnly; Secure; SameSite=${sameSite === 'strict' ? 'Strict' : 'Lax'}`);
}

/** A11: SameSite=Lax unless the policy says Strict; lasts as long as the session. */
export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, settings: CookieSettings): void {
  setCookie(reply, SESSION_COOKIE, token, Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)), settings.sameSite);
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  setCookie(reply, SESSION_COOKIE, null, 0, settings.sameSite);
}

/** Lax always: it must come back on the provider's top-level redirect to the callback. */
export function setSigninCookie(reply: FastifyReply, state: string, maxAgeSeconds: number): void {
  setCookie(reply, SIGNIN_COOKIE, state, maxAgeSeconds, 'lax');
}

export function clearSigninCookie(reply: FastifyReply): void {
  setCookie(reply, SIGNIN_COOKIE, null, 0, 'lax');
}
