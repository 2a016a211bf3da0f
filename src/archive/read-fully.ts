// Positional reads that fill their buffer: one read(2) may return fewer bytes than asked on
// network and virtual file systems (9p, NFS, FUSE; the lab's scratch share returned part of a
// 1 MiB read), so the archive's random-access readers loop until done or the end of the file.
import type { FileHandle } from 'node:fs/promises';

/** Fills `buf` from `position`; the bytes read, fewer than `buf.length` only at the end of the file. */
export async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
