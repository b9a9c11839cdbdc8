import { readFileSync } from 'node:fs';

export interface WycheproofTest {
  tcId: number;
  comment: string;
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}
export interface WycheproofGroup {
  keySize?: number;
  ivSize?: number;
  tagSize?: number;
  tests: WycheproofTest[];
}
export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

/** A vector file from the copy beside this test (vectors/wycheproof/README.md). */
export function loadVectors(name: string): WycheproofFile {
  return JSON.parse(readFileSync(new URL(`./vectors/wycheproof/${name}`, import.meta.url), 'utf8')) as WycheproofFile;
}

export const hex = (value: unknown): Buffer => Buffer.from(String(value), 'hex');
