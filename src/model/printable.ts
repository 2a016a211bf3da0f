// Text read from an archive (alias, hostname, image names, dataset names) is hostile:
// an ESC in it would drive the operator's terminal. Everything zbak prints that may
// carry such text goes through these, so control characters appear as visible escapes.

// C0 (incl. ESC, CR, LF, TAB), DEL, C1, and the bidi controls that reorder what is shown.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line safe for a terminal: every control character (newlines too) as `\x1b`-style text. */
export function printable(s: string): string {
  return s.replace(CONTROL, escape);
}

/** Several lines safe for a terminal: as printable(), but line breaks stay. */
export function printableLines(s: string): string {
  return s.replace(CONTROL_BUT_NEWLINE, escape);
}

/**
 * JSON text safe for a terminal and still the same JSON: JSON.stringify leaves C1 and
 * bidi controls raw inside strings, so they become \u escapes (they only occur in strings).
 */
export function printableJson(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
