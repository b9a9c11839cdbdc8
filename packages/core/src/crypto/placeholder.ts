/**
 * NOT ENCRYPTION. A clearly marked stand-in format for columns the policy
 * declares encrypted, used by the reference apps until field encryption
 * lands. Every value starts with the ASCII marker below, so a scan of the raw
 * tables finds each placeholder and nothing mistakes one for ciphertext.
 */
export const PLACEHOLDER_MARKER = 'custodian-placeholder-unencrypted:v0:';

const marker = Buffer.from(PLACEHOLDER_MARKER, 'ascii');

export function sealPlaceholder(plaintext: string): Buffer {
  return Buffer.concat([marker, Buffer.from(Buffer.from(plaintext, 'utf8').toString('base64url'), 'ascii')]);
}

export function isPlaceholder(value: Uint8Array): boolean {
  return value.length >= marker.length && Buffer.from(value.subarray(0, marker.length)).equals(marker);
}

export function openPlaceholder(value: Uint8Array): string {
  if (!isPlaceholder(value)) throw new TypeError('not a placeholder value');
  return Buffer.from(Buffer.from(value.subarray(marker.length)).toString('ascii'), 'base64url').toString('utf8');
}
