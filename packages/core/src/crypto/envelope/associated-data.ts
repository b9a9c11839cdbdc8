import { contextCapacity, writeContext, type ValueContext } from './context.js';

// One growable scratch buffer for the associated data. Sealing and opening
// are synchronous and the AD is consumed before they return, so reuse is
// safe; it saves an allocation per call, which at 100-byte values is a large
// share of the cost. The AD holds only the header and context, never secrets.
// A Buffer of its own (not from Node's pool) for Buffer#write.
let scratch = Buffer.allocUnsafeSlow(1024);
// The views handed out are kept and handed out again while their bounds stay
// the same (they do for every value of one column under one key): making a
// view costs about as much as writing the header.
let adView = new Uint8Array(0);
let nonceView = new Uint8Array(0);
let nonceOffset = -1;

/**
 * The AEAD's associated data: the envelope header, byte for byte, followed by
 * the canonical context (context.ts). The header is the envelope's first
 * `headerLength` bytes. The header is self-delimiting (key id
 * length-prefixed, nonce length fixed by the algorithm), so the join is
 * unambiguous. Undefined when the context is not usable. The returned view is
 * valid until the next call.
 */
export function associatedData(envelope: Uint8Array, headerLength: number, context: ValueContext): Uint8Array | undefined {
  const need = headerLength + contextCapacity(context);
  if (need > scratch.length) {
    scratch = Buffer.allocUnsafeSlow(Math.max(need, scratch.length * 2));
    adView = new Uint8Array(0);
    nonceOffset = -1;
  }
  // A short copy by hand: cheaper than subarray + set for a ~50-byte header.
  for (let i = 0; i < headerLength; i++) scratch[i] = envelope[i]!;
  let end: number;
  try {
    end = writeContext(context, scratch, headerLength);
  } catch {
    // Only a caller's exotic context (getters or a Proxy answering
    // differently on the second read than on the first) gets here.
    return undefined;
  }
  if (end < 0 || end > scratch.length) return undefined;
  if (adView.length !== end) adView = new Uint8Array(scratch.buffer, scratch.byteOffset, end);
  return adView;
}

/**
 * The nonce inside the header that the last successful associatedData call
 * copied: the same bytes as the envelope's, as a view that can be handed out
 * again. Valid until the next call.
 */
export function associatedNonce(offset: number, length: number): Uint8Array {
  if (offset !== nonceOffset || nonceView.length !== length) {
    nonceView = new Uint8Array(scratch.buffer, scratch.byteOffset + offset, length);
    nonceOffset = offset;
  }
  return nonceView;
}
