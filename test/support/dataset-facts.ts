// What the e2e tests compare of a zone's datasets between hosts: content (files or volume
// bytes), snapshots with GUIDs, and the listed properties that are set.
import type { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';

/** Properties vmadm and zbak own on a zone's datasets. */
export const DATASET_PROPS = ['origin', 'quota', 'refquota', 'reservation', 'refreservation', 'volsize', 'volblocksize', 'compression', 'zoned', 'devices'];

export async function datasetFacts(h: FakeSmartOS, datasets: readonly string[], props: readonly string[] = DATASET_PROPS): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const ds of datasets) {
    const type = await h.prop(ds, 'type');
    const values: Record<string, string> = {};
    for (const p of props) {
      const r = await h.exec(['zfs', 'get', '-H', '-p', '-o', 'value', p, ds]);
      if (r.exitCode === 0) values[p] = r.stdout.trim();
    }
    out[ds] = {
      content: type === 'volume' ? await h.volumeHash(ds) : await h.treeHash(`/${ds}`, ['cores', 'data']),
      snapshots: await h.snapshots(ds),
      props: values,
    };
  }
  return out;
}
