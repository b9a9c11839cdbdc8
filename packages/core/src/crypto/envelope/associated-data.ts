import { contextCapacity, writeContext, type ValueContext } from './context.js';

// One growable scratch buffer for the associated data. Sealing and opening
// are synchronous and the AD is consumed before they return, so reuse is
// safe; it saves an allocation per call, which at 100-byte values is a large
// share of the cost. The AD holds only the header and context, never secrets.
// A Buffer of its own (not from Node's pool) for Buffer#write; the view
// handed out is a plain Uint8Array, which is cheaper to make than a Buffer's.
let scratch = Buffer.allocUnsafeSlow(1024);

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
  if (need > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(need, scratch.length * 2));
  // A short copy by hand: cheaper than subarray + set for a ~50-byte header.
  for (let i = 0; i < headerLength; i++) scratch[i] = envelope[i]!;
  const end = writeContext(context, scratch, headerLength);
  return end < 0 ? undefined : new Uint8Array(scratch.buffer, scratch.byteOffset, end);
}
