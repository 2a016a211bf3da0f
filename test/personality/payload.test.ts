// Create-payload validation and sanitising, as VM.js does it, on the fixtures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageKey, type ImageFacts } from '../../personality/vmadm/images.js';
import { dropWarning, preparePayload, validateCreatePayload, type CreateContext } from '../../personality/vmadm/payload.js';
import type { Payload } from '../../personality/vmadm/payload-types.js';
import { buildStoredConfig } from '../../personality/vmadm/config.js';

const fixture = (uuid: string): Payload =>
  JSON.parse(readFileSync(new URL(`../../fixtures/smartos/host-a/vmadm/${uuid}.json`, import.meta.url), 'utf8')) as Payload;

const J = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const L = '745789f9-338d-4821-89a2-fc80c20289b8';
const K = '34b80433-a885-49dd-b72a-1592cf15dc5c';
const B = 'a317459b-628c-4ae6-8635-65005f57c058';
const IMAGES: Array<[string, ImageFacts]> = [
  ['39665d70-e5f6-48b5-9000-9b650ef7cd06', { type: 'zone-dataset' }],
  ['1bc22ad4-b071-480a-b94b-ddac9933f22c', { type: 'lx-dataset' }],
  ['003dabce-b141-4997-ad4e-4d9552e3aca1', { type: 'zvol', image_size: 10240 }],
  ['6d0594cc-6d23-4233-89b4-e91317da0e19', { type: 'zvol', image_size: 10240, bootrom: 'uefi', cloudinitDatasource: 'smartdc' }],
];

function ctx(over: Partial<CreateContext> = {}): CreateContext {
  return {
    zpools: ['zones'],
    images: new Map(IMAGES.map(([u, f]) => [imageKey('zones', u), f])),
    existingNics: [],
    nicTags: undefined,
    ...over,
  };
}

function run(payload: Payload, c: CreateContext = ctx()): { payload: Payload; warnings: string[] } {
  const brand = preparePayload(payload);
  const warnings = validateCreatePayload(payload, brand, c).map(dropWarning);
  return { payload, warnings };
}

describe('create payload from a `vmadm get` object', () => {
  it('drops state, host and receive-only properties with VM.js warnings', () => {
    const { payload, warnings } = run(fixture(J));
    for (const p of ['zone_state', 'zoneid', 'zonedid', 'pid', 'hvm', 'state', 'last_modified', 'boot_timestamp', 'server_uuid', 'platform_buildstamp', 'zonepath', 'snapshots', 'zfs_filesystem', 'datasets', 'create_timestamp', 'v']) {
      expect(warnings).toContain(`Warning, invalid create property: [${p}] removing from payload.`);
      expect(payload).not.toHaveProperty(p);
    }
    expect(payload['uuid']).toBe(J);
    expect(payload['image_uuid']).toBe('39665d70-e5f6-48b5-9000-9b650ef7cd06');
    // datasets is dropped: the delegated dataset only comes back via delegate_dataset.
    expect(payload).not.toHaveProperty('delegate_dataset');
  });

  it('keeps NIC addresses and MACs as given', () => {
    const { payload } = run(fixture(J));
    const nics = payload['nics'] as Array<Record<string, unknown>>;
    expect(nics.map((n) => [n['interface'], n['mac'], n['ip']])).toEqual([
      ['net0', '90:b8:d0:3c:1a:52', '203.0.113.21'],
      ['net1', '90:b8:d0:77:e4:09', '10.41.2.21'],
    ]);
  });

  it('kvm: disks.*.zfs_filesystem is dropped, then a disk path without nocreate is refused', () => {
    expect(() => run(fixture(K))).toThrow('you cannot specify a path for a disk unless you set nocreate=true');
  });

  it('kvm: block_size next to image_uuid is refused', () => {
    const p = fixture(K);
    for (const d of p['disks'] as Array<Record<string, unknown>>) delete d['path'];
    expect(() => run(p)).toThrow('setting both .block_size and .image_uuid on a volume is invalid');
  });

  it('kvm: the VMAPI-style cleanup gives a payload vmadm accepts', () => {
    const p = fixture(K);
    for (const d of p['disks'] as Array<Record<string, unknown>>) {
      delete d['path'];
      if (d['image_uuid']) {
        delete d['block_size'];
        delete d['size'];
        delete d['refreservation'];
      }
    }
    const { payload, warnings } = run(p);
    expect(warnings).toContain('Warning, invalid create property: [disks.*.zfs_filesystem] removing from payload.');
    const disks = payload['disks'] as Array<Record<string, unknown>>;
    expect(disks[0]).not.toHaveProperty('zfs_filesystem');
    expect(disks[1]?.['size']).toBe(20480);
  });

  it('bhyve: keeps disk uuids and pci slots, takes bootrom and cloud-init datasource from the image', () => {
    const p = fixture(B);
    for (const d of p['disks'] as Array<Record<string, unknown>>) {
      delete d['path'];
      delete d['block_size'];
    }
    delete p['bootrom'];
    const { payload } = run(p);
    expect(payload['bootrom']).toBe('uefi');
    expect((payload['internal_metadata'] as Record<string, unknown>)['cloudinit_datasource']).toBe('smartdc');
    const disks = payload['disks'] as Array<Record<string, unknown>>;
    expect(disks.map((d) => [d['pci_slot'], d['uuid']])).toEqual([
      ['0:4:0', 'd88f8c63-7d1b-49f3-af3e-f8f66f64a109'],
      ['0:4:1', 'f60f8016-8054-46c7-afb5-55364df1b2f7'],
    ]);
  });
});

describe('create payload refusals', () => {
  const base = (): Payload => ({ brand: 'joyent', image_uuid: '39665d70-e5f6-48b5-9000-9b650ef7cd06', nics: [{ nic_tag: 'admin', ip: 'dhcp' }] });

  it('an image that is not installed is an invalid image_uuid', () => {
    expect(() => run({ ...base(), image_uuid: '11111111-2222-3333-4444-555555555555' })).toThrow('Invalid value(s) for: image_uuid');
  });

  it('an image of the wrong type for the brand is an invalid image_uuid', () => {
    expect(() => run({ ...base(), brand: 'lx', kernel_version: '5.10.0' })).toThrow('Invalid value(s) for: image_uuid');
  });

  it('lx needs kernel_version', () => {
    expect(() => run({ ...base(), brand: 'lx', image_uuid: '1bc22ad4-b071-480a-b94b-ddac9933f22c' })).toThrow('Missing required properties: kernel_version');
  });

  it('a joyent zone needs image_uuid', () => {
    const p = base();
    delete p['image_uuid'];
    expect(() => run(p)).toThrow('Missing required properties: image_uuid');
  });

  it('bad values fail, listing every bad property', () => {
    expect(() => run({ ...base(), quota: -1, owner_uuid: 7, alias: 3 })).toThrow('Invalid value(s) for: quota,owner_uuid,alias');
    expect(() => run({ ...base(), ram: 'lots' })).toThrow('Invalid value for ram: null:number');
  });

  it('an unsupported brand is refused', () => {
    expect(() => run({ ...base(), brand: 'sngl' })).toThrow('Unsupported brand: sngl');
  });

  it('a MAC or an IP (same tag and VLAN) used by another VM is a conflict', () => {
    const msg = 'Conflict detected with another vm, please check the MAC, IP, and VRID';
    const mac = { ...base(), nics: [{ nic_tag: 'admin', mac: '90:b8:d0:00:00:01' }] };
    expect(() => run(mac, ctx({ existingNics: [{ mac: '90:b8:d0:00:00:01', ips: [] }] }))).toThrow(msg);
    const ip = { ...base(), nics: [{ nic_tag: 'admin', ips: ['10.0.0.5/24'] }] };
    expect(() => run(ip, ctx({ existingNics: [{ ips: ['10.0.0.5/24'], nic_tag: 'admin' }] }))).toThrow(msg);
    const otherVlan = { ...base(), nics: [{ nic_tag: 'admin', ips: ['10.0.0.5/24'] }] };
    expect(() => run(otherVlan, ctx({ existingNics: [{ ips: ['10.0.0.5/24'], nic_tag: 'admin', vlan_id: 5 }] }))).not.toThrow();
  });

  it('a NIC tag the host does not have is refused when the host lists its tags', () => {
    expect(() => run(base(), ctx({ nicTags: new Set(['external']) }))).toThrow('Invalid nic tag "admin"');
  });
});

describe('defaults and stored configuration', () => {
  it('applies VM.js defaults for a minimal joyent payload', () => {
    const { payload } = run({ image_uuid: '39665d70-e5f6-48b5-9000-9b650ef7cd06', max_physical_memory: 1024 });
    expect(payload).toMatchObject({ brand: 'joyent', autoboot: true, quota: 10, zpool: 'zones', cpu_shares: 100, max_lwps: 2000, max_locked_memory: 1024, max_swap: 1024, tmpfs: 1024, max_shm_memory: 1024, limit_priv: ['default'], dns_domain: 'local' });
  });

  it('bhyve defaults to a 1 GiB quota and HVM limit_priv; kvm adds the memory overhead', () => {
    const b = run({ brand: 'bhyve', disks: [{ image_uuid: '6d0594cc-6d23-4233-89b4-e91317da0e19', boot: true, model: 'virtio' }], ram: 1024 }).payload;
    expect(b['quota']).toBe(1);
    expect(b['max_physical_memory']).toBe(2304);
    const k = run({ brand: 'kvm', disks: [{ size: 1024, model: 'virtio' }], ram: 512 }).payload;
    expect(k['max_physical_memory']).toBe(1536);
    expect(k['limit_priv']).toEqual('default,-file_link_any,-net_access,-proc_fork,-proc_info,-proc_session'.split(','));
  });

  it('stores config in zone XML order without ZFS-derived or metadata properties', () => {
    const { payload } = run({ ...fixture(J), delegate_dataset: true });
    const stored = buildStoredConfig(payload, 'joyent', '2025-01-01T00:00:00.000Z', [`zones/${J}/data`]);
    expect(Object.keys(stored).slice(0, 7)).toEqual(['zonename', 'autoboot', 'brand', 'limit_priv', 'v', 'create_timestamp', 'image_uuid']);
    expect(stored['limit_priv']).toBe('default');
    expect(stored['datasets']).toEqual([`zones/${J}/data`]);
    for (const p of ['quota', 'customer_metadata', 'tags', 'delegate_dataset', 'ram', 'uuid', 'zpool']) expect(stored).not.toHaveProperty(p);
  });

  it('lx NICs are named eth<N>, generated MACs use the 90:b8:d0 prefix and the first NIC is primary', () => {
    const { payload } = run({ brand: 'lx', kernel_version: '5.10.0', image_uuid: '1bc22ad4-b071-480a-b94b-ddac9933f22c', nics: [{ nic_tag: 'a', ip: '10.0.0.2', netmask: '255.255.255.0' }, { nic_tag: 'b' }] });
    const nics = payload['nics'] as Array<Record<string, unknown>>;
    expect(nics[0]).toMatchObject({ interface: 'eth0', ips: ['10.0.0.2/24'], primary: true });
    expect(nics[1]?.['interface']).toBe('eth1');
    expect(String(nics[1]?.['mac'])).toMatch(/^90:b8:d0(:[0-9a-f]{2}){3}$/);
  });
});
