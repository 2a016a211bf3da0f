// The pure figures of `npm run bench` (scripts/lib/bench-report.ts): medians, spreads,
// the zbak/raw ratio and the targets' pass/miss.
import { describe, expect, it } from 'vitest';
import { formatSize, formatSpread, formatTable, parseSize, spread, summarize, throughputRatio, type Measured } from '../../../scripts/lib/bench-report.js';

const MiB = 1024 * 1024;

describe('spread', () => {
  it('takes the middle sample of an odd count and the mean of the two middle ones of an even count', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });
  it('refuses no samples', () => {
    expect(() => spread([])).toThrow(/no samples/);
  });
});

describe('sizes', () => {
  it('parses and prints the size knob', () => {
    expect(parseSize('256MiB')).toBe(256 * MiB);
    expect(parseSize('2GiB')).toBe(2048 * MiB);
    expect(parseSize(' 1048576 ')).toBe(MiB);
    expect(() => parseSize('2GB')).toThrow(/bad size/);
    expect(() => parseSize('512KiB')).toThrow(/below 1 MiB/);
    expect(formatSize(256 * MiB)).toBe('256 MiB');
    expect(formatSize(2048 * MiB)).toBe('2 GiB');
    expect(formatSize(1.5 * MiB)).toBe('1.5 MiB');
  });
});

describe('summarize', () => {
  const save: Measured = {
    op: 'save', bytes: 256 * MiB, zbakSeconds: [4, 2, 3], rawSeconds: [1, 1.5, 0.5],
    zbakPeakRss: [90 * MiB, 120 * MiB, 80 * MiB], zbakCpuSeconds: [1, 1, 1], commands: [11, 13, 11],
  };

  it('is raw median time over zbak median time, the worst RSS and command count, each against its target', () => {
    expect(throughputRatio(4, 2)).toBe(0.5);
    const s = summarize(save);
    expect(s.ratio).toBeCloseTo(1 / 3);
    expect(s.peakRss).toBe(120 * MiB);
    expect([s.fewestCommands, s.commands]).toEqual([11, 13]);
    expect(s.checks.map((c) => [c.what, c.target, c.pass])).toEqual([
      ['zbak/raw', '≥0.50', false],
      ['peak RSS', '≤100 MiB', false],
      ['host commands', '≤12', false],
    ]);
  });

  it('takes each run\'s stand-in command time out of that run for the own ratio (median of the differences)', () => {
    const s = summarize({ ...save, zbakSeconds: [4, 2, 3], standinSeconds: [2, 1, 2.5] });
    expect(s.ownRatio).toBeCloseTo(1 / 1); // zbak less stand-ins: 2, 1, 0.5 -> median 1; raw median 1
    expect(s.ratio).toBeCloseTo(1 / 3);
    expect(summarize(save).ownRatio).toBeNull();
    expect(formatTable([s], { save: 'cat', verify: 'openssl', restore: 'cat' }).split('\n')[1]).toMatch(/≥0\.50 MISS\s+1\.00\s+120 MiB/);
  });

  it('wants a save to a rate-limited medium within 10 % of raw', () => {
    const medium = { ...save, zbakSeconds: [10], rawSeconds: [9], mediumBytesPerSecond: 150 * MiB };
    expect(summarize(medium).checks[0]).toMatchObject({ target: '≥0.90', pass: true });
    expect(summarize({ ...medium, rawSeconds: [8.9] }).checks[0]).toMatchObject({ target: '≥0.90', pass: false });
    expect(summarize({ ...medium, mediumBytesPerSecond: undefined }).checks[0]!.target).toBe('≥0.50');
  });

  it('passes at the targets themselves and has no command target for verify', () => {
    const verify = summarize({ ...save, op: 'verify', zbakSeconds: [10], rawSeconds: [9], zbakPeakRss: [100 * MiB], commands: undefined });
    expect(verify.checks.map((c) => c.pass)).toEqual([true, true]);
    expect(verify.commands).toBeNull();
    const restore = summarize({ ...save, op: 'restore', zbakSeconds: [10], rawSeconds: [8], zbakPeakRss: [MiB], commands: [15] });
    expect(restore.checks.map((c) => c.pass)).toEqual([true, true, true]);
  });

  it('prints one line per row with median (min–max), the ratio and MISS', () => {
    expect(formatSpread({ median: 2, min: 1.234, max: 3 })).toBe('2.00 (1.23–3.00)');
    const table = formatTable([summarize(save)], { save: 'cat', verify: 'openssl', restore: 'cat' }).split('\n');
    expect(table[1]).toMatch(/^save\s+256 MiB\s+3\.00 \(2\.00–4\.00\)\s+85\s+1\.00 \(0\.50–1\.50\)\s+256\s+0\.33\s+≥0\.50 MISS\s+-\s+120 MiB\s+≤100 MiB MISS\s+1\.00\s+11–13\s+≤12 MISS$/);
    expect(table).toContain('  raw verify: openssl');
  });
});

describe('countCommands', () => {
  it('counts and times only the commands zbak started; "data" calls and inner calls add no stand-in time', async () => {
    const { countCommands } = await import('../../../scripts/lib/bench-host.js');
    const log = ['zbak vmadm 900 get', 'inner zfs 300 list', 'zbak sysinfo 250 ', 'zbak zfs 120 send', 'zbak zfs data receive', ''].join('\n');
    expect(countCommands(log)).toEqual({ zbak: 4, all: 5, byName: { 'vmadm get': 1, sysinfo: 1, 'zfs send': 1, 'zfs receive': 1 }, standinSeconds: 1.27 });
  });
});
