// What the e2e tests compare of a zone's datasets between hosts: content (files or volume
// bytes), snapshots with GUIDs, and the listed properties that are set.
import type { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';

/** Properties vmadm and zbak own on a zone's datasets. */
export const DATASET_PROPS = ['origin', 'quota', 'refquota', 'reservation', 'refreservation', 'volsize', 'volblocksize', 'compression', 'zoned', 'devices'];

/**
 * One `zfs get` and one `zfs list` for all the datasets (each fake command is a process: a
 * call per property made these helpers the e2e suite's largest cost). A dataset that does not
 * exist fails the whole call, as a single `zfs get` of it did before.
 */
export async function datasetFacts(h: FakeSmartOS, datasets: readonly string[], props: readonly string[] = DATASET_PROPS): Promise<Record<string, unknown>> {
  if (datasets.length === 0) return {};
  const got = await h.must(['zfs', 'get', '-H', '-p', '-o', 'name,property,value', ['type', ...props].join(','), ...datasets]);
  const values = new Map<string, Record<string, string>>(datasets.map((ds) => [ds, {}]));
  for (const line of got.split('\n').filter(Boolean)) {
    const [name, prop, value] = line.split('\t');
    values.get(name!)![prop!] = value!;
  }
  const snapshots = await h.snapshotsOf(datasets);
  const out: Record<string, unknown> = {};
  for (const ds of datasets) {
    const { type, ...set } = values.get(ds)!;
    out[ds] = {
      content: type === 'volume' ? await h.volumeHash(ds) : await h.treeHash(`/${ds}`, ['cores', 'data']),
      snapshots: snapshots.get(ds) ?? [],
      props: set,
    };
  }
  return out;
}
