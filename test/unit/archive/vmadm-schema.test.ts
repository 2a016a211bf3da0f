// vmadm.json and images/<uuid>.json as hostile input: every real vmadm/imgadm JSON in
// fixtures/ passes; tampered ones are refused naming the entry and the field.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Header, ImageSpec } from '../../../src/archive/format.js';
import { parseArchivedImageRecord, parseArchivedVm } from '../../../src/archive/vmadm-schema.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { FIXTURES, fixture, hostAJoyentArchive, HOST_A } from '../../support/fixtures.js';
import { makeHeader } from './helpers.js';

/** A header for the zone `vm` describes (only zone and pool matter here). */
function headerFor(vm: { uuid: string; brand: string }, pool = 'zones'): Header {
  const h = makeHeader(2, 1024);
  return { ...h, source: { ...h.source, pool }, zone: { ...h.zone, uuid: vm.uuid, brand: vm.brand as Header['zone']['brand'] } };
}

/** Every `vmadm get` JSON kept in fixtures/ (authored SmartOS output). */
const VM_FIXTURES = ['smartos/host-a/vmadm', 'smartos/host-b/expected-after-restore'].flatMap((d) =>
  readdirSync(`${FIXTURES}${d}`).filter((f) => f.endsWith('.json')).map((f) => `${d}/${f}`),
);

function refusal(fn: () => unknown): ArchiveFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ArchiveFormatError);
    expect((e as Error).message).not.toContain('\n');
    return e as ArchiveFormatError;
  }
  throw new Error('expected a refusal');
}

const J = HOST_A.joyent;
const joyent = (): Record<string, unknown> => JSON.parse(fixture(`smartos/host-a/vmadm/${J}.json`));
const refuseVm = (vm: unknown, header = headerFor({ uuid: J, brand: 'joyent' })): string =>
  refusal(() => parseArchivedVm(JSON.stringify(vm), header)).message;

describe('vmadm.json schema', () => {
  it('finds the fixtures', () => expect(VM_FIXTURES.length).toBeGreaterThanOrEqual(5));

  for (const path of VM_FIXTURES) {
    it(`accepts ${path}, typed where restore reads it, every other key kept`, () => {
      const text = fixture(path);
      const raw = JSON.parse(text) as { uuid: string; brand: string };
      const vm = parseArchivedVm(text, headerFor(raw));
      expect(vm).toEqual(raw);
    });
  }

  it('refuses null, an array, a string (restore would die on them)', () => {
    expect(refuseVm(null)).toBe("vmadm.json: not a JSON object (it is null); expected the zone's `vmadm get` JSON");
    expect(refuseVm([])).toMatch(/^vmadm\.json: not a JSON object \(it is an array\)/);
    expect(refuseVm('x')).toMatch(/^vmadm\.json: not a JSON object \(it is a string\)/);
  });

  it('refuses a uuid or brand other than the header says', () => {
    expect(refuseVm({ ...joyent(), uuid: HOST_A.lx })).toBe(`vmadm.json: uuid ${HOST_A.lx} differs from the header's zone uuid ${J}`);
    expect(refuseVm({ ...joyent(), brand: 'lx' })).toBe("vmadm.json: brand lx differs from the header's zone brand joyent");
    expect(refuseVm({ ...joyent(), brand: 'builder' })).toMatch(/^vmadm\.json: brand: Invalid enum value/);
    expect(refuseVm({ ...joyent(), uuid: 'ZONE' })).toMatch(/^vmadm\.json: uuid: not a lowercase uuid/);
  });

  it('refuses terminal escapes in alias and hostname, and overlong text', () => {
    expect(refuseVm({ ...joyent(), alias: 'web\u001b[2J\u001b]0;owned\u0007' })).toBe('vmadm.json: alias: contains control characters');
    expect(refuseVm({ ...joyent(), hostname: 'a\u202ebc' })).toBe('vmadm.json: hostname: contains control characters');
    expect(refuseVm({ ...joyent(), alias: 'x'.repeat(257) })).toBe('vmadm.json: alias: longer than 256 characters');
  });

  it('refuses mistyped fields restore reads', () => {
    expect(refuseVm({ ...joyent(), autoboot: 'yes' })).toMatch(/^vmadm\.json: autoboot: Expected boolean/);
    expect(refuseVm({ ...joyent(), indestructible_zoneroot: 1 })).toMatch(/^vmadm\.json: indestructible_zoneroot: Expected boolean/);
    expect(refuseVm({ ...joyent(), create_timestamp: '2024-01-01; end' })).toMatch(/^vmadm\.json: create_timestamp: not an ISO-8601 UTC time/);
    expect(refuseVm({ ...joyent(), image_uuid: '../x' })).toMatch(/^vmadm\.json: image_uuid: not a lowercase uuid/);
    expect(refuseVm({ ...joyent(), disks: ['x'] })).toMatch(/^vmadm\.json: disks\.0: Expected object/);
    expect(refuseVm({ ...joyent(), nics: [null] })).toMatch(/^vmadm\.json: nics\.0: Expected object/);
    expect(refuseVm({ ...joyent(), zpool: 'zones/x' })).toMatch(/^vmadm\.json: zpool: not a pool name/);
  });

  it("refuses dataset names and disk paths outside the zone's own datasets", () => {
    expect(refuseVm({ ...joyent(), datasets: ['zones/other/data'] })).toBe(
      `vmadm.json: datasets.0 zones/other/data is not one of zone ${J}'s datasets in pool zones`,
    );
    expect(refuseVm({ ...joyent(), datasets: [`zones/${J}/../x`] })).toMatch(/^vmadm\.json: datasets\.0: has a '\.' or '\.\.' component/);
    expect(refuseVm({ ...joyent(), zfs_filesystem: 'zones' })).toMatch(/^vmadm\.json: zfs_filesystem: not a dataset name/);
    const kvm = JSON.parse(fixture(`smartos/host-a/vmadm/${HOST_A.kvm}.json`)) as { disks: Array<Record<string, unknown>> };
    kvm.disks[1]!.path = '/dev/zvol/rdsk/zones/swap';
    expect(refuseVm(kvm, headerFor({ uuid: HOST_A.kvm, brand: 'kvm' }))).toBe(
      `vmadm.json: disks.1.path /dev/zvol/rdsk/zones/swap is not a zvol of zone ${HOST_A.kvm} in pool zones`,
    );
  });

  it('refuses filesystems, limit_priv and fs_allowed values that would break out of the zonecfg vmadm writes', () => {
    const fs = (e: Record<string, unknown>): unknown => ({ ...joyent(), filesystems: [{ type: 'lofs', source: '/opt', target: '/opt', ...e }] });
    expect(parseArchivedVm(JSON.stringify(fs({ options: ['ro', 'nodevices'] })), headerFor({ uuid: J, brand: 'joyent' })).filesystems).toHaveLength(1);
    expect(refuseVm(fs({ target: '/x"\nadd fs' }))).toMatch(/^vmadm\.json: filesystems\.0\.target: contains control characters/);
    expect(refuseVm(fs({ source: '/x"y' }))).toMatch(/^vmadm\.json: filesystems\.0\.source: contains a quote or backslash/);
    expect(refuseVm(fs({ target: 'opt' }))).toMatch(/^vmadm\.json: filesystems\.0\.target: not an absolute path/);
    expect(refuseVm({ ...joyent(), limit_priv: 'default"; set zonepath=/' })).toMatch(/^vmadm\.json: limit_priv: not a comma-separated list/);
    expect(refuseVm({ ...joyent(), fs_allowed: ['ufs', 'a b'] })).toMatch(/^vmadm\.json: fs_allowed\.1: not a name/);
  });
});

describe('image record schema', () => {
  const spec = (m: Record<string, unknown>): ImageSpec => ({
    uuid: m.uuid as string, name: m.name as string, version: m.version as string, type: m.type as string,
    ...(m.origin ? { origin: m.origin as string } : {}),
    finalGuid: '1', streamId: 's01', manifestEntry: `images/${m.uuid as string}.json`,
  });
  const RECORDS = readdirSync(`${FIXTURES}smartos/host-a/imgadm`).map((f) => `smartos/host-a/imgadm/${f}`);

  for (const path of RECORDS) {
    it(`accepts ${path}`, () => {
      const text = fixture(path);
      const m = (JSON.parse(text) as { manifest: Record<string, unknown> }).manifest;
      expect(parseArchivedImageRecord(`images/${m.uuid as string}.json`, text, spec(m))).toEqual(JSON.parse(text));
    });
  }

  it("accepts the records save writes against save's own header (base and incremental image)", () => {
    const { header } = hostAJoyentArchive();
    expect(header.images).toHaveLength(2);
    for (const image of header.images) {
      const text = fixture(`smartos/host-a/imgadm/get-${image.uuid}.json`);
      expect(parseArchivedImageRecord(image.manifestEntry, text, image).manifest.uuid).toBe(image.uuid);
    }
  });

  it('refuses a manifest whose uuid, name, version, type or origin differ from the header', () => {
    const { header } = hostAJoyentArchive();
    const image = header.images[1]!;
    const text = fixture(`smartos/host-a/imgadm/get-${image.uuid}.json`);
    const tampered = (change: Record<string, unknown>): string => {
      const r = JSON.parse(text) as { manifest: Record<string, unknown> };
      Object.assign(r.manifest, change);
      return refusal(() => parseArchivedImageRecord(image.manifestEntry, JSON.stringify(r), image)).message;
    };
    expect(tampered({ uuid: HOST_A.lxImage })).toBe(
      `${image.manifestEntry}: manifest.uuid ${HOST_A.lxImage} differs from the image uuid ${image.uuid} in the entry name and the header`,
    );
    expect(tampered({ name: 'evil' })).toBe(`${image.manifestEntry}: manifest.name "evil" differs from the header's "${image.name}"`);
    expect(tampered({ version: '9' })).toMatch(/manifest\.version "9" differs/);
    expect(tampered({ type: 'zvol' })).toMatch(/manifest\.type "zvol" differs/);
    expect(tampered({ origin: undefined })).toMatch(/manifest\.origin \(none\) differs from the header's image origin f9f08f51/);
    expect(tampered({ name: 'x\u001b[31m' })).toBe(`${image.manifestEntry}: manifest.name: contains control characters`);
    expect(refusal(() => parseArchivedImageRecord(image.manifestEntry, 'null', image)).message).toMatch(/not a JSON object \(it is null\)/);
  });
});
