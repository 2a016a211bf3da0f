import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planRetention, type RetainCandidate } from '../../../src/plan/retention.js';

const Z = 'aaaaaaaa-0000-4000-8000-000000000001';
const Y = 'bbbbbbbb-0000-4000-8000-000000000002';

/** One archive a night at 02:30 UTC for `nights` nights ending on 2026-12-01. */
function nightly(nights: number, zone = Z): RetainCandidate[] {
  return Array.from({ length: nights }, (_, i) => {
    const t = new Date(Date.UTC(2026, 11, 1, 2, 30) - i * 86_400_000);
    return { name: `${zone.slice(0, 4)}-${t.toISOString().slice(0, 10)}.zbak`, zoneUuid: zone, createdAt: t.toISOString() };
  });
}
const kept = (d: ReturnType<typeof planRetention>): string[] => d.filter((x) => x.keep).map((x) => x.createdAt.slice(0, 10));

describe('planRetention (restic forget rules, UTC)', () => {
  it('--keep-last 3 keeps the three newest, removes the rest with a reason', () => {
    const d = planRetention(nightly(10), { last: 3 });
    expect(kept(d)).toEqual(['2026-12-01', '2026-11-30', '2026-11-29']);
    expect(d.find((x) => x.createdAt.startsWith('2026-11-28'))!.reasons).toEqual(['no rule keeps it']);
  });

  it('--keep-daily 7 --keep-weekly 4 --keep-monthly 3 over 100 nights', () => {
    const d = planRetention(nightly(100), { daily: 7, weekly: 4, monthly: 3 });
    // 7 days, then the newest (Sunday) of each of 4 ISO weeks, the newest of 3 months.
    expect(kept(d)).toEqual([
      '2026-12-01', '2026-11-30', '2026-11-29', '2026-11-28', '2026-11-27', '2026-11-26', '2026-11-25',
      '2026-11-22', '2026-11-15', '2026-10-31',
    ]);
    expect(d.find((x) => x.createdAt.startsWith('2026-11-29'))!.reasons).toEqual(['daily 2026-11-29', 'weekly 2026-W48']);
    expect(d.find((x) => x.createdAt.startsWith('2026-10-31'))!.reasons).toEqual(['monthly 2026-10']);
  });

  it('two archives on one day: daily keeps the newer', () => {
    const c: RetainCandidate[] = [
      { name: 'a', zoneUuid: Z, createdAt: '2026-12-01T01:00:00Z' },
      { name: 'b', zoneUuid: Z, createdAt: '2026-12-01T13:00:00Z' },
      { name: 'c', zoneUuid: Z, createdAt: '2026-11-30T13:00:00Z' },
    ];
    expect(planRetention(c, { daily: 2 }).filter((x) => x.keep).map((x) => x.name)).toEqual(['b', 'c']);
  });

  it('zones are pruned apart; the newest of each stays', () => {
    const d = planRetention([...nightly(5, Z), ...nightly(2, Y).map((c) => ({ ...c, createdAt: c.createdAt.replace('2026-1', '2025-1') }))], { last: 1 });
    expect(d.filter((x) => x.keep).map((x) => x.zoneUuid).sort()).toEqual([Z, Y].sort());
  });

  it('a kept archive keeps its whole chain back to the full one', () => {
    const c = nightly(6).map((x, i, all) => (i < 5 ? { ...x, base: all[i + 1]!.name } : x)); // newest 5 are incrementals
    const d = planRetention(c, { last: 1 });
    expect(d.every((x) => x.keep)).toBe(true);
    expect(d[5]!.reasons).toEqual([`base of ${c[4]!.name}`]);
  });

  it('property: the newest of each zone and every kept archive\'s base always stay', () => {
    const arb = fc.array(
      fc.record({ zone: fc.constantFrom(Z, Y), minutes: fc.integer({ min: 0, max: 400 * 24 * 60 }), base: fc.option(fc.nat(30)) }),
      { minLength: 1, maxLength: 30 },
    );
    const policy = fc.record({ last: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), daily: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }), weekly: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), monthly: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) });
    fc.assert(
      fc.property(arb, policy, (rows, p) => {
        const c: RetainCandidate[] = rows.map((r, i) => ({ name: `n${i}`, zoneUuid: r.zone, createdAt: new Date(Date.UTC(2026, 0, 1) + r.minutes * 60_000).toISOString() }));
        rows.forEach((r, i) => {
          const b = r.base === null ? undefined : c[r.base % c.length]!;
          if (b && b.zoneUuid === c[i]!.zoneUuid && b.createdAt < c[i]!.createdAt) c[i]!.base = b.name;
        });
        const d = planRetention(c, p);
        const keep = new Set(d.filter((x) => x.keep).map((x) => x.name));
        for (const zone of [Z, Y]) {
          const mine = c.filter((x) => x.zoneUuid === zone);
          const newest = mine.reduce((m, x) => (x.createdAt > m ? x.createdAt : m), '');
          // Archives written the same minute tie: one of them is the newest.
          if (mine.length > 0) expect(mine.some((x) => x.createdAt === newest && keep.has(x.name))).toBe(true);
        }
        for (const x of c) if (keep.has(x.name) && x.base) expect(keep.has(x.base)).toBe(true);
        expect(d.length).toBe(c.length);
      }),
    );
  });
});

describe("a save's own archive (justWritten), as save --keep-archives/--keep-last use it", () => {
  const U = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
  const OTHER = '745789f9-338d-4821-89a2-fc80c20289b8';
  const NEW = `web01-${U}-20261123T050000Z.zbak`;
  /** "name@day[/other]": an archive of zone U (or OTHER) written that day of November 2026 at 05:00. */
  const c = (spec: string): RetainCandidate => {
    const [name, rest] = spec.split('@') as [string, string];
    const [day, zone] = rest.split('/');
    return { name, zoneUuid: zone === 'other' ? OTHER : U, createdAt: `2026-11-${day}T05:00:00.000Z` };
  };
  const removed = (all: RetainCandidate[], last: number, zone = U): string[] =>
    planRetention(all.filter((x) => x.zoneUuid === zone), { last }, NEW).filter((d) => !d.keep).map((d) => d.name);

  it('keeps the just-written archive and the newest N-1 others of the zone', () => {
    const all = ['a@20', 'b@22', 'c@21', 'd@01/other', `${NEW}@23`].map(c);
    expect(removed(all, 2)).toEqual(['c', 'a']);
    expect(removed(all, 1)).toEqual(['b', 'c', 'a']);
    expect(removed(all, 5)).toEqual([]);
    expect(removed(all, 1, OTHER)).toEqual([]);
  });

  it('a header dated after the new archive (clock skew, a copied file) never removes the new one', () => {
    const copied = `web01-${U}-29991231T235959Z.zbak`;
    const skewed = [c(`${NEW}@23`), c(`${copied}@30`), c('x@20')];
    const d = planRetention(skewed, { last: 1 }, NEW);
    expect(d.filter((x) => x.keep).map((x) => [x.name, x.reasons])).toEqual([[NEW, ['last 1', 'just written']]]);
  });

  it('equal createdAt: the name decides, so the outcome does not depend on directory order', () => {
    const a = [c('b@20'), c('a@20'), c('c@20')];
    expect(planRetention(a, { last: 1 }).filter((x) => x.keep).map((x) => x.name)).toEqual(['c']);
    expect(planRetention([...a].reverse(), { last: 1 }).filter((x) => x.keep).map((x) => x.name)).toEqual(['c']);
  });
});
