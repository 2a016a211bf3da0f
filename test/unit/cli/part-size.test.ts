import { describe, expect, it } from 'vitest';
import { parseSize } from '../../../src/cli/commands.js';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../../../src/model/part-size.js';
import { createArchiveWriter } from '../../../src/archive/writer.js';

describe('--part-size', () => {
  it('accepts exactly the range the archive format allows', () => {
    expect(parseSize('1K')).toBe(MIN_PART_SIZE);
    expect(parseSize('1G')).toBe(MAX_PART_SIZE);
    expect(parseSize('32M')).toBe(32 * 1024 * 1024);
  });

  it('refuses sizes outside it before anything runs (usage error naming the range)', () => {
    for (const s of ['2G', '4G', '1023', '512']) {
      expect(() => parseSize(s), s).toThrow(`--part-size ${s} is out of range; use 1K to 1G`);
    }
  });

  it('the writer refuses the same sizes', async () => {
    await expect(createArchiveWriter('/nonexistent/x.zbak', { partSize: MAX_PART_SIZE + 1 })).rejects.toThrow(/out of range/);
    await expect(createArchiveWriter('/nonexistent/x.zbak', { partSize: MIN_PART_SIZE - 1 })).rejects.toThrow(/out of range/);
  });
});
