/** How sure a detector is. Everything found is redacted; confidence is for reports and tuning. */
export type Confidence = 'high' | 'medium';

/** One span of a string to redact. Offsets are UTF-16 code units, `end` exclusive. */
export interface Finding {
  kind: string;
  start: number;
  end: number;
  confidence: Confidence;
  /** Leading characters that are not secret (`sk_live_`, `AKIA`), kept in the output when the policy allows. */
  keep?: number;
}

/**
 * A detector: a trigger (keywords any match must contain), then a bounded
 * global regular expression whose named group `secret`, `dq`, `sq` or `bare`
 * (or the whole match) is the span, then an optional validator (checksums,
 * ranges, placeholders).
 */
export interface Detector {
  kind: string;
  /**
   * What every match contains, so the pattern runs only on strings that have
   * it: literal `keywords` (case-sensitive, such as `sk-ant-` or `@`), `words`
   * (any case, such as `password`), or a `trigger` expression (digit shapes).
   * All of them are scanned together — literals as one factored expression —
   * which is what keeps clean log lines cheap. None: the pattern always runs.
   */
  keywords?: readonly string[];
  words?: readonly string[];
  trigger?: RegExp;
  /**
   * The `trigger` written by hand, for the one-pass scanner: `at(text, i)` is
   * true when a match of `trigger` puts its first character after the boundary
   * at `i`; it is called only where `text[i]` is one of `first` and the
   * character before is not one of `notAfter`. Without it the trigger runs as
   * a regular expression.
   */
  triggerCheck?: { first: string; notAfter: string; at: (text: string, i: number) => boolean };
  /**
   * Set when every match contains one of the detector's keywords or words,
   * starting at most `lead` characters after the match starts: the pattern
   * then runs from `lead` characters before the first of them, not from the
   * start of the string.
   */
  lead?: number;
  /**
   * A literal (case-sensitive) that every match holds: when the string holds
   * it nowhere from where the pattern would start, the pattern is not run.
   * For keywords that clean lines hold often (`eyJ` in a base64 cursor, `://`
   * in a URL) where a match needs more (a second segment, an `@`).
   */
  needs?: string;
  /** Global (`g`) and bounded: every quantifier has an upper limit, no nested unbounded repeats. */
  pattern: RegExp;
  /** Refines a match: false to drop it, or the confidence and span adjustments. */
  validate?: (secret: string, match: RegExpExecArray, text: string) => false | Validated;
  /** Characters of the secret that may be kept as a non-secret prefix. */
  keepPrefix?: (secret: string) => number;
  /** Breaks ties between overlapping findings of equal length: higher wins. */
  priority: number;
}

export interface Validated {
  confidence: Confidence;
  /** Characters trimmed off the end of the secret (a sentence's final period). */
  trimEnd?: number;
  /** The kind, when one detector reports several (a password in a query string). */
  kind?: string;
  /**
   * Where the span really starts, when the pattern starts later than the
   * value (an email is matched from its '@', its local part found backwards,
   * so the scan only stops at '@' signs).
   */
  startAt?: number;
}

export const HIGH: Validated = Object.freeze({ confidence: 'high' });
export const MEDIUM: Validated = Object.freeze({ confidence: 'medium' });
