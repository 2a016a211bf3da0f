import { describe, expect, it } from 'vitest';
import { ownUsed, savedSpace, spaceNeeded } from '../../../src/plan/space.js';
import { planRestore, type RestoreTarget } from '../../../src/plan/restore-plan.js';
import { parseZfsList } from '../../../src/parse/zfs-list.js';
import { parseVmadmGet } from '../../../src/parse/vmadm.js';
import { NoSpaceError } from '../../../src/errors.js';
import { fixture, hostAJoyentArchive, HOST_A } from '../../support/fixtures.js';

const J = HOST_A.joyent;
const rowsA = parseZfsList(fixture('zfs/host-a-list.tsv'));

// From fixtures/zfs/host-a-list.tsv: used of the zoneroot, data, pgdata, cores and the webapp image.
const OWN = {
  [J]: 2298478592 - 2197815296,
  [`${J}/data`]: 2197815296 - 1946157056,
  [`${J}/data/pgdata`]: 1946157056,
  [`cores/${J}`]: 23552,
  [HOST_A.webappImage]: 188743680,
};


const hostB = (avail: number): RestoreTarget => ({ vms: [], rows: parseZfsList(fixture('zfs/host-b-list.tsv')), poolAvailable: avail });

const M = new Map([[HOST_A.webappImage, JSON.stringify({ manifest: { uuid: HOST_A.webappImage, name: 'w', version: '1', type: 'zone-dataset' } })]]);

describe('space a restore needs', () => {
  it('counts a dataset without its children', () => {
    expect(ownUsed(rowsA, `zones/${J}`)).toBe(OWN[J]);
    expect(ownUsed(rowsA, `zones/${J}/data/pgdata`)).toBe(1946157056);
    expect(ownUsed(rowsA, 'zones/nope')).toBeUndefined();
    expect(savedSpace(rowsA, 'zones', [J, `${J}/data`, J])).toEqual({ [J]: OWN[J], [`${J}/data`]: OWN[`${J}/data`] });
  });

  it('the save header records every streamed dataset, images included', () => {
    const { header } = hostAJoyentArchive();
    expect(header.space).toMatchObject(OWN);
    expect(header.space?.[HOST_A.baseImage]).toBe(431521792);
  });

  it('host B needs the zone datasets and the image it installs, not the base image it has', () => {
    const { header, vm } = hostAJoyentArchive();
    const total = Object.values(OWN).reduce((a, b) => a + b, 0);
    const plan = planRestore(header, vm, hostB(total), {}, M);
    expect(plan.space).toEqual({ needed: total, available: total, freed: 0 });
  });

  it('refuses with exit code class no-space before any change when the pool is one byte short', () => {
    const { header, vm } = hostAJoyentArchive();
    const total = Object.values(OWN).reduce((a, b) => a + b, 0);
    expect(() => planRestore(header, vm, hostB(total - 1), {})).toThrow(NoSpaceError);
    expect(() => planRestore(header, vm, hostB(total - 1), {})).toThrow(
      /^pool zones has 2\.3 GiB available, but zone 8aa8dff0-5ee1-4d22-a283-bf79505dfbe3 needs about 2\.3 GiB \(what its datasets used on .*\); free space in zones or restore on another host$/,
    );
  });

  it('with --force, the old zone stays until the new one is complete, so the pool must hold both', () => {
    const { header, vm } = hostAJoyentArchive();
    const a: RestoreTarget = { vms: [parseVmadmGet(fixture(`smartos/host-a/vmadm/${J}.json`))], rows: rowsA, poolAvailable: 1024 };
    expect(() => planRestore(header, vm, a, { force: true })).toThrow(NoSpaceError);
    const needed = OWN[J]! + OWN[`${J}/data`]! + OWN[`${J}/data/pgdata`]! + OWN[`cores/${J}`]!;
    const plan = planRestore(header, vm, { ...a, poolAvailable: needed }, { force: true });
    expect(plan.space).toEqual({ needed, available: needed, freed: 0 });
  });

  it('checks nothing for an archive without figures', () => {
    expect(spaceNeeded(undefined, [J])).toBeUndefined();
    const { header, vm } = hostAJoyentArchive();
    const { space: _drop, ...old } = header;
    expect(planRestore(old, vm, hostB(0), {}, M).space).toBeUndefined();
  });
});
