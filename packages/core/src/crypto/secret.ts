import { inspect } from 'node:util';

const HIDDEN = '[Secret]';

/**
 * Holds a secret (a key, a plaintext) so that it cannot leak by accident:
 * string conversion, JSON and `util.inspect` all show `[Secret]`. The value
 * comes out only through `reveal()`, which is easy to find in a review.
 */
export class Secret<T = Uint8Array> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}
