import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits as unpadded base64url: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface NewToken {
  /** Sent once (cookie, invite link); never stored. */
  token: string;
  /** SHA-256 of the token: the only form the database keeps (C20). */
  hash: Buffer;
}

/** A fresh 256-bit token and its hash. */
export function newToken(): NewToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token)! };
}

/**
 * The stored form of a token, or null when the text cannot be one of ours
 * (wrong length or alphabet) — such input never reaches the database.
 */
export function hashToken(token: unknown): Buffer | null {
  if (typeof token !== 'string' || !TOKEN.test(token)) return null;
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares two hashes in constant time; false when either is missing. */
export function sameHash(a: Buffer | null | undefined, b: Buffer | null | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
