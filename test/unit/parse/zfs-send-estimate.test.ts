import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateArgv, parseSendEstimate } from '../../../src/parse/zfs-send-estimate.js';

// Real `zfs send -nvP -I zones/IMG@final zones/ZONE@s2` output recorded in the lab,
// after its comment line and the `stat` lines.
const RECORDED = readFileSync(resolve(import.meta.dirname, '../../../fixtures/lab/stream-sizes.txt'), 'utf8')
  .split('\n')
  .filter((l) => !l.startsWith('#') && !l.startsWith('/'))
  .join('\n');

describe('zfs send -n -P estimate', () => {
  it('reads the total from the size line of real OpenZFS output', () => {
    expect(RECORDED).toContain('incremental\ts1\tzones/ZONE@s2\t1060912');
    expect(parseSendEstimate(RECORDED)).toBe(3704576);
  });

  it('says nothing when there is no size line or it is not a number', () => {
    expect(parseSendEstimate('')).toBeUndefined();
    expect(parseSendEstimate('full\tzones/A@s\t100\n')).toBeUndefined();
    expect(parseSendEstimate('size\tlots\n')).toBeUndefined();
  });

  it('turns a send argv into its dry run, keeping every option', () => {
    expect(estimateArgv(['zfs', 'send', '-p', '-I', 'zones/img@final', 'zones/z@zbak-1'])).toEqual([
      'zfs', 'send', '-n', '-P', '-p', '-I', 'zones/img@final', 'zones/z@zbak-1',
    ]);
    expect(() => estimateArgv(['zfs', 'receive', 'x'])).toThrow(/not a zfs send/);
  });
});
