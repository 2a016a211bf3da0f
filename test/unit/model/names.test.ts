import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareNames, isSameOrBelow } from '../../../src/model/names.js';

describe('compareNames', () => {
  it('orders by code units, whatever the locale would say', () => {
    const names = ['zones/b', 'zones/a/data', 'zones/a-disk0', 'zones/A', 'zones/a', 'zones/a_x', 'zones/a.x'];
    expect([...names].sort(compareNames)).toEqual(['zones/A', 'zones/a', 'zones/a-disk0', 'zones/a.x', 'zones/a/data', 'zones/a_x', 'zones/b']);
    expect(compareNames('zones/a', 'zones/a')).toBe(0);
  });

  it('puts a dataset before everything below it', () => {
    const name = fc.array(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,6}$/), { minLength: 1, maxLength: 4 }).map((p) => `zones/${p.join('/')}`);
    fc.assert(
      fc.property(fc.array(name, { maxLength: 12 }), (names) => {
        const sorted = [...names].sort(compareNames);
        sorted.forEach((n, i) => sorted.slice(0, i).forEach((before) => expect(isSameOrBelow(before, n) && before !== n).toBe(false)));
      }),
    );
  });
});
