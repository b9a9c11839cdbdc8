import { Secret } from '../secret.js';

/** Key material as given by a caller: raw bytes or a Secret holding them. */
export type KeyMaterial = Uint8Array | Secret<Uint8Array>;

export function keyBytes(key: KeyMaterial | undefined): Uint8Array | undefined {
  const bytes = key instanceof Secret ? key.reveal() : key;
  return bytes instanceof Uint8Array ? bytes : undefined;
}
