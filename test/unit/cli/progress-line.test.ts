import { describe, expect, it } from 'vitest';
import { clock, humanBytes, progressLine } from '../../../src/cli/progress-line.js';

describe('progress line', () => {
  it('writes sizes in binary units and times as a clock', () => {
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(1023)).toBe('1023 B');
    expect(humanBytes(1536)).toBe('1.5 KiB');
    expect(humanBytes(500 * 1024 ** 3)).toBe('500 GiB');
    expect(humanBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
    expect(clock(75)).toBe('1:15');
    expect(clock(3725)).toBe('1:02:05');
  });

  it('shows bar, percentage, bytes, rate and ETA against a known total', () => {
    const line = progressLine({ label: 's02 zones/z', value: 256 * 1024 ** 2, total: 1024 ** 3, elapsedMs: 2000 });
    expect(line).toBe('s02 zones/z  [######..................]  25%  256 MiB / 1.0 GiB  128 MiB/s  ETA 0:06');
  });

  it('shows 100% without ETA when done, and 99% when an estimate was too low', () => {
    expect(progressLine({ label: 'x', value: 10, total: 10, elapsedMs: 1000 })).toContain('100%  10 B / 10 B');
    const over = progressLine({ label: 'x', value: 150, total: 100, elapsedMs: 1000 });
    expect(over).toContain(' 99%  150 B / 150 B');
    expect(over).not.toContain('ETA');
  });

  it('shows bytes and rate when the total is not known', () => {
    expect(progressLine({ label: 'verify', value: 3 * 1024 ** 2, total: undefined, elapsedMs: 3000 })).toBe('verify  3.0 MiB  1.0 MiB/s');
  });
});
