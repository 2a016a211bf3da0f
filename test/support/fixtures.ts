// Loads fixtures for pure tests (parsers and planners).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseImgadmGet } from '../../src/parse/imgadm.js';
import { parseVmadmGet } from '../../src/parse/vmadm.js';
import { parseZfsList } from '../../src/parse/zfs-list.js';
import type { SaveInventory } from '../../src/plan/inventory.js';
import type { Header } from '../../src/archive/format.js';
import { buildHeader } from '../../src/plan/header.js';
import { planSave } from '../../src/plan/save-plan.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export function fixture(path: string): string {
  return readFileSync(`${FIXTURES}${path}`, 'utf8');
}

export const HOST_A = {
  joyent: '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3',
  lx: '745789f9-338d-4821-89a2-fc80c20289b8',
  kvm: '34b80433-a885-49dd-b72a-1592cf15dc5c',
  bhyve: 'a317459b-628c-4ae6-8635-65005f57c058',
  baseImage: 'f9f08f51-bd01-4f30-be77-7d8ba526ad2b',
  webappImage: '39665d70-e5f6-48b5-9000-9b650ef7cd06',
  lxImage: '1bc22ad4-b071-480a-b94b-ddac9933f22c',
} as const;

const ALL_IMAGES = [
  'f9f08f51-bd01-4f30-be77-7d8ba526ad2b',
  '39665d70-e5f6-48b5-9000-9b650ef7cd06',
  '1bc22ad4-b071-480a-b94b-ddac9933f22c',
  '003dabce-b141-4997-ad4e-4d9552e3aca1',
  '6d0594cc-6d23-4233-89b4-e91317da0e19',
];

/** Host A's inventory for one zone, as gather.ts would build it. */
export function hostAInventory(uuid: string, extraRows = ''): SaveInventory {
  const rawVmJson = fixture(`smartos/host-a/vmadm/${uuid}.json`);
  return {
    host: { hostname: 'cn-a', sysinfoUuid: '3ea316c5-e17f-4dbe-9aea-65da7014d33a', platform: '20250306T000316Z', pool: 'zones' },
    vm: parseVmadmGet(rawVmJson),
    rawVmJson,
    rows: parseZfsList(fixture('zfs/host-a-list.tsv') + extraRows),
    images: ALL_IMAGES.map((u) => {
      const rawRecord = fixture(`smartos/host-a/imgadm/get-${u}.json`);
      return { uuid: u, record: parseImgadmGet(rawRecord), rawRecord };
    }),
  };
}

/** The header zbak writes for host A's joyent zone (zoneroot, data, data/pgdata, cores) at `snap`. */
export function hostAJoyentArchive(snap = 'zbak-20261122T050000Z'): { header: Header; vm: Record<string, unknown> } {
  const J = HOST_A.joyent;
  const ds = [`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`];
  const inv = hostAInventory(J, ds.map((d, i) => `${d}@${snap}\tsnapshot\t-\t${7000 + i}\t${9000 + i}\t0\t0\t-\n`).join(''));
  const header = buildHeader(inv, planSave(inv, snap), { createdAt: new Date(), toolVersion: '0.1.0', partSize: 1024 });
  return { header, vm: JSON.parse(inv.rawVmJson) as Record<string, unknown> };
}
