import { describe, expect, it } from 'vitest';
import { parseVmadmGet, parseVmadmLookup } from '../../../src/parse/vmadm.js';
import { parseImgadmGet } from '../../../src/parse/imgadm.js';
import { parseSysinfo } from '../../../src/parse/sysinfo.js';
import { fixture, HOST_A } from '../../support/fixtures.js';

describe('vmadm/imgadm/sysinfo parsers', () => {
  it('parses each brand of host A and keeps unknown fields', () => {
    for (const uuid of [HOST_A.joyent, HOST_A.lx, HOST_A.kvm, HOST_A.bhyve]) {
      const vm = parseVmadmGet(fixture(`smartos/host-a/vmadm/${uuid}.json`));
      expect(vm.uuid).toBe(uuid);
    }
    const j = parseVmadmGet(fixture(`smartos/host-a/vmadm/${HOST_A.joyent}.json`));
    expect(j.datasets).toEqual([`zones/${HOST_A.joyent}/data`]);
    expect((j as Record<string, unknown>).customer_metadata).toBeDefined();
  });

  it('rejects JSON that is not a VM, naming the field', () => {
    expect(() => parseVmadmGet('{"uuid": 5}')).toThrow(/vmadm get: uuid/);
    expect(() => parseVmadmGet('not json')).toThrow(/not JSON/);
    expect(() => parseVmadmLookup('{}')).toThrow(/vmadm lookup -j/);
  });

  it('parses imgadm get with an incremental origin', () => {
    const r = parseImgadmGet(fixture(`smartos/host-a/imgadm/get-${HOST_A.webappImage}.json`));
    expect(r.manifest.origin).toBe(HOST_A.baseImage);
    expect(r.zpool).toBe('zones');
  });

  it('parses sysinfo', () => {
    expect(parseSysinfo(fixture('smartos/host-a/sysinfo-excerpt.json'))).toEqual({
      hostname: 'cn-a',
      sysinfoUuid: '3ea316c5-e17f-4dbe-9aea-65da7014d33a',
      platform: '20250306T000316Z',
      pool: 'zones',
    });
  });
});
