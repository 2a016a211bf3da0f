import { describe, expect, it } from 'vitest';
import { isPoolName, isZbakSnapshot, roleFits, zoneRoleOf, zoneTops } from '../../../src/model/ownership.js';
import { zfs, zonecfg } from '../../../src/plan/argv.js';

const U = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const OTHER = '745789f9-338d-4821-89a2-fc80c20289b8';

describe('the ownership rule', () => {
  it('gives a zone its zoneroot, what is below it, its kvm disks and its cores', () => {
    expect(zoneRoleOf(U, U)).toBe('zoneroot');
    expect(zoneRoleOf(`${U}/data/pg`, U)).toBe('dataset');
    expect(zoneRoleOf(`${U}-disk0`, U)).toBe('disk');
    expect(zoneRoleOf(`${U}-disk12`, U)).toBe('disk');
    expect(zoneRoleOf(`cores/${U}`, U)).toBe('cores');
  });

  it('gives it nothing else: names that merely start with its uuid, other zones, tricks', () => {
    for (const rel of [`${U}-old`, `${U}-disk`, `${U}-diskX`, `${OTHER}`, `cores/${OTHER}`, `${U}/../${OTHER}`, `${U}/./x`, `${U}//x`, 'cores', `zbak-${U}`, `cores/${U}/x`, `${U}@snap`, '']) {
      expect(zoneRoleOf(rel, U), rel).toBeNull();
    }
  });

  it('a role fits its name; a bhyve disk (a volume below the zoneroot) fits as disk', () => {
    expect(roleFits('disk', `${U}/disk0`, U)).toBe(true);
    expect(roleFits('zoneroot', `${U}-disk0`, U)).toBe(false);
    expect(roleFits('cores', `${U}/cores`, U)).toBe(false);
  });

  it('top datasets: the zoneroot covers its children', () => {
    expect(zoneTops(U, [U, `${U}/data`, `${U}-disk0`, `cores/${U}`, `${OTHER}`])).toEqual([U, `${U}-disk0`, `cores/${U}`]);
  });

  it('pool names and zbak snapshot names', () => {
    expect(isPoolName('zones')).toBe(true);
    for (const p of ['zones/x', '-zones', 'mirror', '', 'a b']) expect(isPoolName(p), p).toBe(false);
    expect(isZbakSnapshot('zbak-20261122T050000Z')).toBe(true);
    for (const s of ['zbak-mine', 'zbak-20261122T050000Z-keep', 'my-zbak-20261122T050000Z']) expect(isZbakSnapshot(s), s).toBe(false);
  });
});

describe('argv builders refuse what would not be a name', () => {
  it('dataset names that look like options or escape the pool', () => {
    expect(() => zfs.receive('-o')).toThrow(/refusing/);
    expect(() => zfs.destroyTree('zones/../x')).toThrow(/refusing/);
    expect(zfs.receive('zones/zbak-x/new/y')).toEqual(['zfs', 'receive', '-u', 'zones/zbak-x/new/y']);
  });

  it('a create-timestamp that would be zonecfg subcommands', () => {
    expect(() => zonecfg.createTimestamp(U, '2024-11-04T10:22:31Z; end; select attr name=alias; set value=x')).toThrow(/refusing/);
    expect(zonecfg.createTimestamp(U, '2024-11-04T10:22:31.118Z')[3]).toBe('select attr name=create-timestamp; set value=2024-11-04T10:22:31.118Z; end');
  });
});
