/**
 * Display masks (C1): the few characters of a secret kept in the clear so a
 * person can tell keys apart ("…a1b2"), computed from the plaintext at write
 * time and stored in a column of their own — the plaintext itself never is.
 *
 * Characters are user-perceived characters (grapheme clusters), not bytes or
 * UTF-16 units, so "last 4" of a value ending in an emoji or an accented
 * letter keeps four whole characters. A mask never shows more than half of a
 * value: "last 4" of a 6-character secret keeps 3.
 */
export interface MaskOptions {
  keep: 'last' | 'first';
  length: number;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function characters(value: string): string[] {
  return Array.from(segmenter.segment(value), (s) => s.segment);
}

export function mask(plaintext: string, options: MaskOptions): string {
  const chars = characters(plaintext.normalize('NFC'));
  const shown = Math.max(0, Math.min(options.length, Math.floor(chars.length / 2)));
  if (shown === 0) return '';
  return options.keep === 'last' ? chars.slice(-shown).join('') : chars.slice(0, shown).join('');
}
