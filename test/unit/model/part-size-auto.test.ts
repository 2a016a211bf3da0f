import { describe, expect, it } from 'vitest';
import { autoPartSize, partSizeProblem } from '../../../src/model/part-size.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('autoPartSize', () => {
  it('cuts the largest dataset into at most about 2048 parts, a power of two from 4 MiB to 32 MiB', () => {
    expect(autoPartSize(0)).toBe(4 * MiB);
    expect(autoPartSize(256 * MiB)).toBe(4 * MiB);
    expect(autoPartSize(8 * GiB)).toBe(4 * MiB);
    expect(autoPartSize(8 * GiB + 1)).toBe(8 * MiB);
    expect(autoPartSize(32 * GiB)).toBe(16 * MiB);
    expect(autoPartSize(64 * GiB)).toBe(32 * MiB);
    expect(autoPartSize(4096 * GiB)).toBe(32 * MiB);
  });

  it('always picks a size the writer and readers accept', () => {
    for (const b of [0, 1, MiB, GiB, 100 * GiB, 2 ** 52]) expect(partSizeProblem(autoPartSize(b))).toBeNull();
  });
});
