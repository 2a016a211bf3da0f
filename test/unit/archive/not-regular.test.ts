// verify/restore/inspect of something that is not a regular file: refused at once, never opened
// in a way that could block (a FIFO would block open() until a writer appears).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveUnreadableError } from '../../../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-notreg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(path: string): Promise<ArchiveUnreadableError> {
  const err = await verifyArchive(path).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveUnreadableError);
  return err as ArchiveUnreadableError;
}

describe('archives that are not regular files', () => {
  it('a FIFO (and a symlink to one) is refused without hanging', async () => {
    const fifo = join(dir, 'pipe.zbak');
    await execa('mkfifo', [fifo]);
    await symlink(fifo, join(dir, 'link.zbak'));
    expect((await refusal(fifo)).message).toBe(`cannot read archive ${fifo}: it is a FIFO, not a regular file; give the path of a .zbak file`);
    expect((await refusal(join(dir, 'link.zbak'))).message).toMatch(/link\.zbak: it is a FIFO, not a regular file/);
  });

  it('a directory and a character device are refused naming what they are', async () => {
    await mkdir(join(dir, 'd.zbak'));
    expect((await refusal(join(dir, 'd.zbak'))).message).toMatch(/d\.zbak: it is a directory, not a regular file/);
    expect((await refusal('/dev/null')).message).toMatch(/\/dev\/null: it is a character device, not a regular file/);
  });
});
