// What must come back of the demo zone web01 (scripts/lib/demo-zone.ts) after a save and a
// restore: its files, its snapshots and its data/pgdata's with GUIDs, its origin (and that
// snapshot's GUID), its quota and its `vmadm get` JSON.
import type { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { WEBAPP_IMAGE } from '../../scripts/lib/demo-zone.js';

export interface DemoZoneFacts {
  files: string;
  snapshots: Array<{ name: string; guid: string }>;
  pgSnapshots: Array<{ name: string; guid: string }>;
  origin: string;
  originGuid: string;
  quota: string;
  vm: Record<string, unknown>;
}

export async function demoZoneFacts(host: FakeSmartOS, uuid: string): Promise<DemoZoneFacts> {
  const root = `zones/${uuid}`;
  const snaps = await host.snapshotsOf([root, `${root}/data/pgdata`]);
  return {
    files: await host.treeHash(`/zones/${uuid}/root`),
    snapshots: snaps.get(root) ?? [],
    pgSnapshots: snaps.get(`${root}/data/pgdata`) ?? [],
    origin: await host.prop(root, 'origin'),
    originGuid: await host.prop(`zones/${WEBAPP_IMAGE}@final`, 'guid'),
    quota: await host.prop(root, 'quota'),
    vm: JSON.parse(await host.must(['vmadm', 'get', uuid])) as Record<string, unknown>,
  };
}
