import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Secret } from '../../crypto/secret.js';
import { CustodianError } from '../../errors.js';
import { addDuration } from '../../policy/duration.js';

/** What a download link names: whose export, which one, and until when it opens. */
export interface ExportLink {
  tenant: string | undefined;
  artifactId: string;
  expiresAt: Date;
}

const SALT = Buffer.from('custodian/export-link/v1', 'utf8');
const DOMAIN = 'custodian-export-link.v1.';
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN = 1024;

/**
 * The key export links are signed with: HKDF-SHA256 from the root key under
 * its own label, so it reveals nothing about the root key or any other key
 * derived from it, and every server instance with the same root key agrees.
 */
export function exportLinkKey(rootKey: Secret<Uint8Array>): Secret<Uint8Array> {
  return new Secret(new Uint8Array(hkdfSync('sha256', rootKey.reveal(), SALT, Buffer.alloc(0), 32)));
}

const mac = (key: Secret<Uint8Array>, payload: string) => createHmac('sha256', key.reveal()).update(DOMAIN + payload).digest();

/**
 * A URL-safe token naming a tenant's export and its expiry, HMAC-signed
 * (B5: the link works for the policy's `requests.exportLinkTtl`, 7 days by
 * default). The token is not secret-free — anyone holding it can download —
 * so it goes only to the person, by mail or over their own session.
 *
 * @example
 * const token = signExportLink(exportLinkKey(root), { tenant, artifactId, ttl: policy.requests.exportLinkTtl });
 * const url = `https://privacy.example.com/v1/exports/${token}`;
 */
export function signExportLink(key: Secret<Uint8Array>, link: { tenant: string | undefined; artifactId: string; ttl?: string; now?: Date }): { token: string; expiresAt: Date } {
  const expiresAt = addDuration(link.now ?? new Date(), link.ttl ?? '7d');
  const payload = Buffer.from(JSON.stringify({ v: 1, t: link.tenant ?? null, a: link.artifactId, e: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
  return { token: `${payload}.${mac(key, payload).toString('base64url')}`, expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) };
}

/**
 * Checks a token: the signature in constant time, then its shape, then its
 * expiry. A token that was not signed with this key — changed in any byte,
 * its tenant or id swapped — is `ERR_EXPORT_LINK_INVALID`; a genuine one past
 * its time is `ERR_EXPORT_LINK_EXPIRED`. Neither error says more.
 */
export function verifyExportLink(key: Secret<Uint8Array>, token: string, now: Date = new Date()): ExportLink {
  if (typeof token !== 'string' || token.length > MAX_TOKEN) throw invalid();
  const [payload, signature, extra] = token.split('.');
  if (extra !== undefined || !payload || !signature || !B64URL.test(payload) || !B64URL.test(signature)) throw invalid();
  // Compared as text: base64 has spare bits in its last character, and a token must have exactly one spelling.
  const given = Buffer.from(signature, 'ascii');
  const expected = Buffer.from(mac(key, payload).toString('base64url'), 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let body: { v?: unknown; t?: unknown; a?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
  } catch {
    throw invalid();
  }
  if (body.v !== 1 || (body.t !== null && typeof body.t !== 'string') || typeof body.a !== 'string' || typeof body.e !== 'number' || !Number.isSafeInteger(body.e)) throw invalid();
  const expiresAt = new Date(body.e * 1000);
  if (now.getTime() >= expiresAt.getTime()) throw new CustodianError('ERR_EXPORT_LINK_EXPIRED', 'this download link has expired', { hint: 'ask for a new export' });
  return { tenant: body.t ?? undefined, artifactId: body.a, expiresAt };
}

function invalid(): CustodianError {
  return new CustodianError('ERR_EXPORT_LINK_INVALID', 'this download link is not valid');
}
