// `zbak list`: the zones on this host with brand, datasets and latest zbak snapshot.
import type { Host } from '../host/host.js';
import { isZbakSnapshot } from '../model/ownership.js';
import { splitSnapshotName } from '../model/names.js';
import { snapshotsOf } from '../plan/inventory.js';
import { zoneDatasets, zonePool } from '../plan/zone-datasets.js';
import { listPool, listVms } from './gather.js';

export interface ZoneListing {
  uuid: string;
  alias?: string;
  brand: string;
  state: string;
  datasets: string[];
  latestZbakSnapshot?: string;
}

export async function runList(host: Host): Promise<ZoneListing[]> {
  const vms = await listVms(host);
  const pools = [...new Set(vms.map(zonePool))];
  const rows = (await Promise.all(pools.map((p) => listPool(host, p)))).flat();
  return vms.map((vm) => {
    const datasets = zoneDatasets(vm, rows).map((d) => d.name);
    const root = datasets[0];
    const zbak = root ? snapshotsOf(rows, root).flatMap((s) => splitSnapshotName(s.name)?.snapshot ?? []).filter(isZbakSnapshot) : [];
    const latest = zbak[zbak.length - 1];
    return {
      uuid: vm.uuid,
      ...(vm.alias !== undefined ? { alias: vm.alias } : {}),
      brand: vm.brand,
      state: vm.state ?? vm.zone_state ?? 'unknown',
      datasets,
      ...(latest ? { latestZbakSnapshot: latest } : {}),
    };
  });
}

export function formatList(zones: ZoneListing[]): string {
  const lines = ['UUID                                  BRAND           STATE     ALIAS            DATASETS  LATEST ZBAK SNAPSHOT'];
  for (const z of zones) {
    lines.push(
      [z.uuid.padEnd(37), z.brand.padEnd(15), z.state.padEnd(9), (z.alias ?? '-').padEnd(16), String(z.datasets.length).padEnd(9), z.latestZbakSnapshot ?? '-'].join(' '),
    );
  }
  return lines.join('\n');
}
