export { openTestDatabase, testBackend, type TestDatabase } from './test-database.js';
export { SeededRandom, fakePerson } from './random.js';
export { insertMany, insertTables } from './insert-many.js';
export type { ReferenceApp, SeedOptions, SeedReport } from './reference-app.js';
export { startLocalKms, type LocalKms } from './local-kms-server.js';
export { fieldCryptoFor } from './field-crypto.js';
