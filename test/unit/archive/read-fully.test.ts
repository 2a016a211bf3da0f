import { describe, expect, it } from 'vitest';
import type { FileHandle } from 'node:fs/promises';
import { readFully } from '../../../src/archive/read-fully.js';

/** A file whose every read returns at most `max` bytes, as 9p or NFS may. */
function shortReads(data: Buffer, max: number): FileHandle {
  return {
    read: async (buf: Buffer, offset: number, length: number, position: number) => {
      const n = Math.max(0, Math.min(length, max, data.length - position));
      data.copy(buf, offset, position, position + n);
      return { bytesRead: n, buffer: buf };
    },
  } as unknown as FileHandle;
}

describe('readFully', () => {
  const data = Buffer.from('0123456789abcdefghij');
  it('fills the buffer across short reads', async () => {
    const buf = Buffer.alloc(12);
    expect(await readFully(shortReads(data, 5), buf, 3)).toBe(12);
    expect(buf.toString()).toBe('3456789abcde');
  });
  it('stops at the end of the file and says how much it read', async () => {
    const buf = Buffer.alloc(10);
    expect(await readFully(shortReads(data, 3), buf, 15)).toBe(5);
    expect(buf.subarray(0, 5).toString()).toBe('fghij');
  });
});
