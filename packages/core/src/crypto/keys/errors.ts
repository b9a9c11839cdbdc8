import { CustodianError } from '../../errors.js';

/** A retire refused because rows are still encrypted under the key; the count travels as a field, not in the message. */
export class KeyRetireRefusedError extends CustodianError {
  readonly keyId: string;
  readonly rows: number;
  constructor(keyId: string, rows: number, reason: 'rows' | 'grace') {
    super(
      'ERR_KEY_RETIRE_REFUSED',
      reason === 'rows' ? 'the key still protects rows' : 'the key was rotated too recently; other instances may still be encrypting with it',
      { hint: reason === 'rows' ? 're-encrypt those rows under the active key, then retire again' : 'retry after the key cache age has passed' },
    );
    this.keyId = keyId;
    this.rows = rows;
  }
}

export const keyNotFound = () => new CustodianError('ERR_KEY_NOT_FOUND', 'no data key with that id');

export const keyState = (message: string) => new CustodianError('ERR_KEY_STATE', message);
