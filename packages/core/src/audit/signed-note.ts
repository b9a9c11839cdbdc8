import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { CustodianError } from '../errors.js';

/**
 * Signed notes in the C2SP format (c2sp.org/signed-note): a text ending in a
 * newline, a blank line, then one line per signature,
 *
 *   — <key name> <base64(key id (4 bytes) ‖ Ed25519 signature (64 bytes))>
 *
 * where the key id is the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)
 * and the signature covers the text (every byte up to, not including, the
 * blank line's newline). Verifier keys are written `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
 */

/** A public key a verifier trusts, as in a C2SP verifier key. */
export interface NoteVerifierKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

const ED25519 = 0x01;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_NAME = /^[^\s+]+$/u;

export function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(name).update('\n').update(Uint8Array.of(ED25519)).update(publicKey).digest();
  return new Uint8Array(digest.subarray(0, 4));
}

/** `<name>+<key id hex>+<base64(0x01 ‖ public key)>`. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return `${name}+${Buffer.from(noteKeyId(name, publicKey)).toString('hex')}+${Buffer.concat([Uint8Array.of(ED25519), publicKey]).toString('base64')}`;
}

/**
 * @example
 * const key = parseVerifierKey('custodian-audit+1a2b3c4d+AeH…');
 */
export function parseVerifierKey(text: string): NoteVerifierKey {
  // The key data is base64 and may itself hold '+': split at the first two only.
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = trimmed.indexOf('+', first + 1);
  const parts = first < 0 || second < 0 ? [] : [trimmed.slice(0, first), trimmed.slice(first + 1, second), trimmed.slice(second + 1)];
  const bad = () =>
    new CustodianError('ERR_AUDIT_CHECKPOINT_INVALID', 'a verifier key is not <name>+<key id hex>+<base64 key>', {
      hint: 'copy it from `custodian audit export-checkpoints` or the output of `custodian audit checkpoint`',
    });
  if (parts.length !== 3 || !KEY_NAME.test(parts[0]!) || !/^[0-9a-f]{8}$/.test(parts[1]!)) throw bad();
  const raw = Buffer.from(parts[2]!, 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519 || raw.toString('base64') !== parts[2]) throw bad();
  const publicKey = new Uint8Array(raw.subarray(1));
  const keyId = noteKeyId(parts[0]!, publicKey);
  if (Buffer.from(keyId).toString('hex') !== parts[1]) throw bad();
  return { name: parts[0]!, keyId, publicKey };
}

/** The text plus one signature line. `sign` signs the text's bytes. */
export function signNote(text: string, name: string, publicKey: Uint8Array, sign: (message: Uint8Array) => Uint8Array): string {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new Error('a note text ends in one newline and has no blank line');
  const signature = sign(Buffer.from(text, 'utf8'));
  const blob = Buffer.concat([noteKeyId(name, publicKey), signature]).toString('base64');
  return `${text}\n\u2014 ${name} ${blob}\n`;
}

export interface OpenedNote {
  text: string;
  /** Names of the trusted keys whose signatures verified. */
  verifiedBy: string[];
  /** Signature lines by keys not in the trusted list (not checked). */
  unknownSignatures: number;
}

/**
 * Splits a note and checks its signatures against `keys`. A signature by a
 * known key that does not verify, or a malformed note, throws
 * `ERR_AUDIT_CHECKPOINT_INVALID`.
 */
export function openNote(note: string, keys: readonly NoteVerifierKey[]): OpenedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw malformed();
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const verifiedBy: string[] = [];
  let unknownSignatures = 0;
  for (const line of lines) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!match) throw malformed();
    const blob = Buffer.from(match[2]!, 'base64');
    if (blob.length < 5) throw malformed();
    const id = blob.subarray(0, 4);
    const key = keys.find((k) => k.name === match[1] && Buffer.from(k.keyId).equals(id));
    if (!key) {
      unknownSignatures++;
      continue;
    }
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key.publicKey]), format: 'der', type: 'spki' });
    if (blob.length !== 68 || !verifySignature(null, Buffer.from(text, 'utf8'), publicKey, blob.subarray(4))) {
      throw new CustodianError('ERR_AUDIT_CHECKPOINT_INVALID', 'a checkpoint signature does not verify', { hint: 'the note was changed after it was signed, or signed by another key' });
    }
    verifiedBy.push(key.name);
  }
  return { text, verifiedBy, unknownSignatures };
}

function malformed(): CustodianError {
  return new CustodianError('ERR_AUDIT_CHECKPOINT_INVALID', 'a checkpoint note is not a signed note', { hint: 'see docs/audit.md, "Checkpoints"' });
}
