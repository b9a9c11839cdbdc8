import { createHash, createHmac } from 'node:crypto';

/**
 * The invite token a candidate would receive by email. Only its SHA-256 is
 * stored (C20), so the token is derived from the seed and the invite id:
 * tests and benchmarks can recompute the token of any seeded invite, as if
 * they had read the email, and look the candidate up by it.
 */
export function inviteToken(seed: number | string, inviteId: string): string {
  const mac = createHmac('sha256', `custodian-example-seed:${String(seed)}`).update(inviteId).digest('base64url');
  return `inv_${mac}`;
}

/** What the `invites.token_hash` column holds for a token. */
export function hashInviteToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
