export { reencrypt, type ReencryptOptions, type ReencryptProgress, type ReencryptResult, type ReencryptColumnResult } from './reencrypt.js';
export { encryptedColumns, type EncryptedColumn } from './encrypted-columns.js';
