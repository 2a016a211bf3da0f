import { describe, expect, it } from 'vitest';
import { archivesToRemove, type ArchiveCandidate } from '../../../src/plan/archive-retention.js';

const U = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const OTHER = '745789f9-338d-4821-89a2-fc80c20289b8';
const NEW = `web01-${U}-20261123T050000Z.zbak`;

/** "name@day[/zone]": an archive of zone U (or OTHER) written on that day of November 2026 at 05:00. */
const c = (spec: string): ArchiveCandidate => {
  const [name, rest] = spec.split('@') as [string, string];
  const [day, zone] = rest.split('/');
  return { name, zoneUuid: zone === 'other' ? OTHER : U, createdAt: `2026-11-${day}T05:00:00.000Z` };
};

describe('archive retention (ranked by the verified header, not the file name)', () => {
  it('keeps the just-written archive and the newest keep-1 others of the zone', () => {
    const all = ['a@20', 'b@22', 'c@21', 'd@01/other', `${NEW}@23`].map(c);
    expect(archivesToRemove(all, { zoneUuid: U, keep: 2, justWritten: NEW })).toEqual(['c', 'a']);
    expect(archivesToRemove(all, { zoneUuid: U, keep: 1, justWritten: NEW })).toEqual(['b', 'c', 'a']);
    expect(archivesToRemove(all, { zoneUuid: U, keep: 5, justWritten: NEW })).toEqual([]);
    expect(archivesToRemove(all, { zoneUuid: OTHER, keep: 1, justWritten: NEW })).toEqual(['d']);
  });

  it('a file whose name carries a far-future stamp ranks by its header date, and never outranks the new archive', () => {
    const copied = `web01-${U}-29991231T235959Z.zbak`;
    const all = [c(`${copied}@20`), c(`web01-${U}-20261120T050000Z.zbak@20`), c(`web01-${U}-20261122T050000Z.zbak@22`)];
    expect(archivesToRemove(all, { zoneUuid: U, keep: 2, justWritten: NEW })).toEqual([copied, `web01-${U}-20261120T050000Z.zbak`]);
    // Even a header dated after the new archive (clock skew) does not remove the new one.
    const skewed = [...all, c(`${copied}-2@30`)];
    expect(archivesToRemove(skewed, { zoneUuid: U, keep: 1, justWritten: NEW })).not.toContain(NEW);
  });

  it('the just-written archive is never removed, even with keep 0 or listed among the candidates', () => {
    expect(archivesToRemove([c(`${NEW}@23`)], { zoneUuid: U, keep: 0, justWritten: NEW })).toEqual([]);
    expect(archivesToRemove([c(`${NEW}@01`), c('x@02')], { zoneUuid: U, keep: 1, justWritten: NEW })).toEqual(['x']);
  });

  it('equal createdAt: the name decides, so the outcome does not depend on directory order', () => {
    const a = [c('b@20'), c('a@20'), c('c@20')];
    expect(archivesToRemove(a, { zoneUuid: U, keep: 2, justWritten: NEW })).toEqual(['b', 'a']);
    expect(archivesToRemove([...a].reverse(), { zoneUuid: U, keep: 2, justWritten: NEW })).toEqual(['b', 'a']);
  });
});
