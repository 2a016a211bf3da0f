import { describe, expect, it } from 'vitest';
import { archivesToRemove, parseArchiveName } from '../../../src/plan/archive-retention.js';
import { archiveFileName } from '../../../src/run/save.js';

const U = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const OTHER = '745789f9-338d-4821-89a2-fc80c20289b8';

describe('archive retention', () => {
  it('reads the names save writes, with or without an alias (which may contain dashes)', () => {
    const name = archiveFileName('web-01-prod', U, new Date('2026-11-22T05:00:00Z'));
    expect(name).toBe(`web-01-prod-${U}-20261122T050000Z.zbak`);
    expect(parseArchiveName(name)).toEqual({ uuid: U, stamp: '20261122T050000Z' });
    expect(parseArchiveName(`${U}-20261122T050000Z.zbak`)).toEqual({ uuid: U, stamp: '20261122T050000Z' });
    for (const n of [`${U}.zbak`, `web01-${U}-20261122T050000Z.zbak.partial`, `.web01-${U}-20261122T050000Z.zbak.partial-1`, 'notes.txt', `web01-${U}-2026-11-22.zbak`]) {
      expect(parseArchiveName(n), n).toBeUndefined();
    }
  });

  it('keeps the newest N of this zone and touches nothing else', () => {
    const names = [
      `web01-${U}-20261120T050000Z.zbak`,
      `web01-${U}-20261122T050000Z.zbak`,
      `renamed-${U}-20261121T050000Z.zbak`,
      `db-${OTHER}-20261101T050000Z.zbak`,
      `.web01-${U}-20261119T050000Z.zbak.partial-123`,
      'README.txt',
    ];
    expect(archivesToRemove(names, U, 2)).toEqual([`web01-${U}-20261120T050000Z.zbak`]);
    expect(archivesToRemove(names, U, 1)).toEqual([`renamed-${U}-20261121T050000Z.zbak`, `web01-${U}-20261120T050000Z.zbak`]);
    expect(archivesToRemove(names, U, 5)).toEqual([]);
    expect(archivesToRemove(names, OTHER, 1)).toEqual([]);
  });

  it('never removes the newest, even if asked to keep 0', () => {
    expect(archivesToRemove([`${U}-20261120T050000Z.zbak`], U, 0)).toEqual([]);
  });
});
