import { describe, expect, it } from 'vitest';
import { chooseBase, resolveChain, type ChainLink } from '../../../src/plan/chain.js';
import type { ZfsRow } from '../../../src/parse/zfs-list.js';

const Z = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const DS = [`zones/${Z}`, `zones/${Z}/data`];
const snapRow = (name: string, guid: string): ZfsRow => ({ name, type: 'snapshot', guid, createtxg: 1, used: 0, referenced: 0 });

/** Night n's archive: ends at @zbak-n with GUIDs g<n>a/g<n>b; incremental from night n-1 unless full. */
function night(n: number, full = n === 1): ChainLink {
  const t = `2026-11-${String(n).padStart(2, '0')}T02:30:00.000Z`;
  const snap = `zbak-202611${String(n).padStart(2, '0')}T023000Z`;
  const prev = `zbak-202611${String(n - 1).padStart(2, '0')}T023000Z`;
  return {
    name: `web01-n${n}.zbak`,
    zoneUuid: Z,
    createdAt: t,
    snapshotName: snap,
    ends: { [Z]: `${n}01`, [`${Z}/data`]: `${n}02` },
    ...(full
      ? {}
      : {
          base: { archive: `web01-n${n - 1}.zbak`, createdAt: `2026-11-${String(n - 1).padStart(2, '0')}T02:30:00.000Z`, snapshotName: prev },
          from: { [Z]: `${n - 1}01`, [`${Z}/data`]: `${n - 1}02` },
        }),
  };
}
const hostAt = (n: number): ZfsRow[] => [snapRow(`zones/${Z}@zbak-202611${String(n).padStart(2, '0')}T023000Z`, `${n}01`), snapRow(`zones/${Z}/data@zbak-202611${String(n).padStart(2, '0')}T023000Z`, `${n}02`)];
const now = new Date('2026-11-06T02:30:00Z');

describe('chooseBase', () => {
  const links = [night(1), night(2), night(3)];
  it('continues the newest archive of the zone when the host still has its snapshots (by GUID)', () => {
    const c = chooseBase(Z, links, hostAt(3), DS, 'zones', {}, now);
    expect(c.kind).toBe('incremental');
    if (c.kind !== 'incremental') return;
    expect(c.base.name).toBe('web01-n3.zbak');
    expect(c.chain.map((l) => l.name)).toEqual(['web01-n1.zbak', 'web01-n2.zbak', 'web01-n3.zbak']);
    expect(c.from).toEqual({ [`zones/${Z}`]: { snapshot: 'zbak-20261103T023000Z', guid: '301' }, [`zones/${Z}/data`]: { snapshot: 'zbak-20261103T023000Z', guid: '302' } });
    expect(c.added).toEqual([]);
  });
  it('a dataset the base does not have is sent in full inside the incremental archive', () => {
    const c = chooseBase(Z, links, hostAt(3), [...DS, `zones/${Z}/data/new`], 'zones', {}, now);
    expect(c.kind === 'incremental' && c.added).toEqual([`zones/${Z}/data/new`]);
  });
  it.each([
    ['no archive', [], hostAt(3), {}, 'no earlier archive of this zone on the medium'],
    ['snapshot gone', links, hostAt(2), {}, `snapshot zones/${Z}@zbak-20261103T023000Z of the base archive web01-n3.zbak is gone from this host`],
    ['GUID differs', links, [snapRow(`zones/${Z}@zbak-20261103T023000Z`, '999'), ...hostAt(3).slice(1)], {}, `snapshot zones/${Z}@zbak-20261103T023000Z has GUID 999, the base archive web01-n3.zbak has 301`],
    ['base missing', [night(1), night(3)], hostAt(3), {}, "the newest archive's chain is broken: web01-n2.zbak, the base of web01-n3.zbak, is missing"],
    ['max links', links, hostAt(3), { maxLinks: 3 }, 'the chain has 3 archives (at most 3)'],
    ['full every', links, hostAt(3), { fullEveryDays: 5 }, "the chain's full archive is 5 days old (a full one every 5)"],
  ])('full when %s', (_what, l, rows, policy, reason) => {
    expect(chooseBase(Z, l, rows, DS, 'zones', policy, now)).toEqual({ kind: 'full', reason });
  });
  it('another zone\'s archives are not a base', () => {
    expect(chooseBase('00000000-0000-4000-8000-000000000000', links, hostAt(3), DS, 'zones', {}, now).kind).toBe('full');
  });
});

describe('resolveChain', () => {
  it('any link can be the restore point: the chain up to it, full first', () => {
    const links = [night(1), night(2), night(3), night(4)];
    expect(resolveChain(night(2), links).map((l) => l.name)).toEqual(['web01-n1.zbak', 'web01-n2.zbak']);
    expect(resolveChain(night(1), links).map((l) => l.name)).toEqual(['web01-n1.zbak']);
  });
  it('refuses a base that is another archive under the same name, or whose GUIDs do not link', () => {
    const impostor = { ...night(2), createdAt: '2026-11-02T09:00:00.000Z' };
    expect(() => resolveChain(night(3), [night(1), impostor, night(3)])).toThrow('web01-n2.zbak is not the archive web01-n3.zbak continues (it names one of 2026-11-02T02:30:00.000Z, @zbak-20261102T023000Z)');
    const relinked = { ...night(2), ends: { ...night(2).ends, [Z]: '777' } };
    expect(() => resolveChain(night(3), [night(1), relinked, night(3)])).toThrow(`web01-n3.zbak starts ${Z} at GUID 201, but web01-n2.zbak ends it at 777`);
  });
});
