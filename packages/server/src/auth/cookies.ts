import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * `__Host-` binds the cookie to this exact origin: browsers refuse it unless
 * it is Secure, has Path=/ and no Domain, so no subdomain can set or read it.
 */
export const SESSION_COOKIE = '__Host-custodian_session';

/** Longest cookie header we look through; Node caps all headers at 16 KiB anyway. */
const MAX_HEADER = 8192;

/**
 * The session cookie's value, or null. Malformed headers, a repeated name or
 * an oversized header read as "no cookie": a bad cookie is never an error.
 */
export function readSessionCookie(request: FastifyRequest): string | null {
  return readCookie(request, SESSION_COOKIE);
}

export interface CookieSettings {
  sameSite: 'lax' | 'strict';
}

/** A11: HttpOnly (no script reads it), Secure (never sent in clear), SameSite=Lax by default. */
export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, settings: CookieSettings): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=${settings.sameSite === 'strict' ? 'Strict' : 'Lax'}`);
}

/** Clears the cookie with the same attributes it was set with (browsers match on name, path and domain). */
export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=${settings.sameSite === 'strict' ? 'Strict' : 'Lax'}`);
}

/**
 * Ties a started sign-in to the browser that started it: the callback is
 * honoured only from a browser holding the same state (login CSRF: otherwise
 * someone could finish their own sign-in in another person's browser).
 */
export const SIGNIN_COOKIE = '__Host-custodian_signin';

/** One cookie's value; two cookies of the name mean someone planted one, so neither is trusted. */
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

export function setSigninCookie(reply: FastifyReply, state: string, maxAgeSeconds: number): void {
  // Lax, so it comes back on the provider's top-level redirect to the callback.
  reply.header('set-cookie', `${SIGNIN_COOKIE}=${state}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`);
}

export function clearSigninCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SIGNIN_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`);
}
