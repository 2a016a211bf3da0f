import { describe, expect, it } from 'vitest';
import { printable, printableJson, printableLines } from '../../../src/model/printable.js';

describe('printable', () => {
  it('shows C0, ESC, DEL, C1 and bidi controls as visible escapes; plain text and UTF-8 unchanged', () => {
    expect(printable('web\x1b[31mred\x07')).toBe('web\\x1b[31mred\\x07');
    expect(printable('a\nb\tc\rd')).toBe('a\\x0ab\\x09c\\x0dd');
    expect(printable('del\x7f c1\x9b2J\x85')).toBe('del\\x7f c1\\x9b2J\\x85');
    expect(printable('evil\u202egnp.exe')).toBe('evil\\u202egnp.exe');
    expect(printable('zone-01 ünïcode ✓ @final/a_b:c')).toBe('zone-01 ünïcode ✓ @final/a_b:c');
    // eslint-disable-next-line no-control-regex
    expect(printable(String.fromCharCode(...Array.from({ length: 0xa0 }, (_, i) => i)))).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('printableLines keeps line breaks only', () => {
    expect(printableLines('one\x1b]0;title\x07\ntwo\r')).toBe('one\\x1b]0;title\\x07\ntwo\\x0d');
  });

  it('printableJson escapes what JSON.stringify leaves raw and is still the same JSON', () => {
    const value = { alias: 'x\x1b[31m\x9b\u202e\x7fy' };
    const text = printableJson(JSON.stringify(value));
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
