import type { Database } from '../db/types.js';
import type { Migration } from '../db/migrations.js';
import type { Policy } from '../policy/define.js';
import type { FieldCrypto } from '../crypto/fields/field-crypto.js';

export interface SeedOptions {
  /** How many subjects (people) to create; other tables scale from it. */
  subjects: number;
  /** Same seed, same rows. */
  seed?: number | string;
  /** The "current" time the data is laid out around; defaults to a fixed date for determinism. */
  now?: Date;
  onProgress?: (done: number, total: number) => void;
  /**
   * Seals the policy's encrypted columns. Without one, the seed makes its own
   * over a throwaway root key (see `throwawayFieldCrypto`): the rows are real
   * ciphertext, readable by nobody afterwards.
   */
  fields?: FieldCrypto;
}

export interface SeedReport {
  subjects: number;
  /** Rows inserted per table. */
  rows: Record<string, number>;
}

/** A reference application in `examples/`: its schema, its policy, and seed data. */
export interface ReferenceApp {
  name: string;
  description: string;
  policy: Policy;
  /** The application's own migrations (namespace `app`), applied after Custodian's. */
  migrations(): Migration[];
  seed(db: Database, options: SeedOptions): Promise<SeedReport>;
}
