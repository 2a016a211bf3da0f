// Hostile and broken archives (fixtures/archives, made by scripts/make-hostile-archives.ts):
// verify rejects each with a one-line message naming the entry.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveFormatError } from '../../../src/errors.js';
import { verifyArchive } from '../../../src/archive/reader.js';
import { hostileArchives } from '../../../scripts/make-hostile-archives.js';

const DIR = join(import.meta.dirname, '../../../fixtures/archives');

describe('hostile archive fixtures', () => {
  for (const a of hostileArchives()) {
    it(`${a.file} is committed and up to date`, async () => {
      expect((await readFile(join(DIR, a.file))).equals(a.bytes)).toBe(true);
    });
    if (a.error === '') {
      it(`${a.file} verifies`, async () => {
        const v = await verifyArchive(join(DIR, a.file));
        expect(v.header.streams.map((s) => s.id)).toEqual(['s01']);
      });
      continue;
    }
    it(`${a.file} is rejected: ${a.error}`, async () => {
      const err = await verifyArchive(join(DIR, a.file)).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ArchiveFormatError);
      expect((err as Error).message).toContain(a.error);
      expect((err as Error).message).not.toContain('\n');
    });
  }
});
