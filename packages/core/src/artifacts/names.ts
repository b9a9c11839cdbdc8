import { createHash, randomBytes } from 'node:crypto';
import { CustodianError } from '../errors.js';

const ID = /^[0-9a-f]{32}\.(json|zip)$/;

/** Content types by extension: the only kinds of artifact there are. */
export const CONTENT_TYPES: Record<string, string> = { json: 'application/json; charset=utf-8', zip: 'application/zip' };

/** A fresh, unguessable artifact id: 128 random bits in hex and the extension. */
export function newArtifactId(extension: 'json' | 'zip'): string {
  return `${randomBytes(16).toString('hex')}.${extension}`;
}

/** The id checked against the one shape ids have, so no path or key is ever built from anything else. */
export function checkedId(id: string): string {
  if (typeof id !== 'string' || !ID.test(id)) throw new CustodianError('ERR_ARTIFACT_NOT_FOUND', 'no such artifact');
  return id;
}

/**
 * The folder (or key prefix) of a tenant's artifacts: a SHA-256 of the tenant
 * id rather than the id itself, so a tenant id of any text — slashes, dots,
 * `..` — never reaches a path, and equal ids always meet.
 */
export function tenantSegment(tenant: string | undefined): string {
  return tenant === undefined ? 'no-tenant' : `t-${createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, 40)}`;
}

export function contentTypeOf(id: string): string {
  return CONTENT_TYPES[id.slice(id.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}
