/**
 * NOT ENCRYPTION. The clearly marked stand-in format the reference apps wrote
 * into encrypted columns before field encryption existed. Nothing writes it
 * now; it stays so that tests can prove no such value remains in a table.
 * Every value starts with the ASCII marker below.
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
