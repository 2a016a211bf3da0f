import { describe, expect, it } from 'vitest';
import { pruneBatches, snapshotsToPrune } from '../../../src/plan/prune.js';
import { parseZfsList } from '../../../src/parse/zfs-list.js';

const rows = parseZfsList(
  [
    'zones/z\tfilesystem\t-\t1\t1\t0\t0\t/zones/z',
    'zones/z@zbak-20261120T010000Z\tsnapshot\t-\t2\t10\t0\t0\t-',
    'zones/z@before-upgrade\tsnapshot\t-\t3\t11\t0\t0\t-',
    'zones/z@zbak-20261121T010000Z\tsnapshot\t-\t4\t12\t0\t0\t-',
    'zones/z@zbak-manual\tsnapshot\t-\t5\t13\t0\t0\t-',
    'zones/z@zbak-20261122T010000Z\tsnapshot\t-\t6\t14\t0\t0\t-',
    'zones/other@zbak-20261120T010000Z\tsnapshot\t-\t7\t15\t0\t0\t-',
  ].join('\n'),
);

describe('snapshotsToPrune', () => {
  it('keeps the newest N zbak snapshots per dataset, never user snapshots or other datasets', () => {
    expect(snapshotsToPrune(rows, ['zones/z'], 1)).toEqual(['zones/z@zbak-20261120T010000Z', 'zones/z@zbak-20261121T010000Z']);
    expect(snapshotsToPrune(rows, ['zones/z'], 2)).toEqual(['zones/z@zbak-20261120T010000Z']);
    expect(snapshotsToPrune(rows, ['zones/z'], 5)).toEqual([]);
  });
});

/** One zone's rows: `snaps[ds]` are its snapshot names, oldest first. */
function zoneRows(snaps: Record<string, string[]>): ReturnType<typeof parseZfsList> {
  let txg = 100;
  const lines = Object.entries(snaps).flatMap(([ds, names]) => [
    `${ds}\tfilesystem\t-\t${txg++}\t${txg++}\t0\t0\t-`,
    ...names.map((n) => `${ds}@${n}\tsnapshot\t-\t${txg++}\t${txg++}\t0\t0\t-`),
  ]);
  return parseZfsList(lines.join('\n'));
}

const [S1, S2, S3] = ['zbak-20261120T010000Z', 'zbak-20261121T010000Z', 'zbak-20261122T010000Z'];

describe('pruneBatches', () => {
  it('one zfs destroy -r per top dataset when every dataset below loses exactly those names; cores on its own', () => {
    const rows = zoneRows({ 'zones/z': [S1, S2, S3], 'zones/z/data': [S1, 'user', S2, S3], 'zones/z/data/pg': [S2, S3], 'zones/cores/z': [S1, S2, S3] });
    const datasets = ['zones/z', 'zones/z/data', 'zones/z/data/pg', 'zones/cores/z'];
    expect(pruneBatches(rows, datasets, 1)).toEqual([
      { dataset: 'zones/z', names: [S1, S2], recursive: true },
      { dataset: 'zones/cores/z', names: [S1, S2], recursive: false },
    ]);
    // Exactly what the per-dataset rule prunes.
    expect(pruneBatches(rows, datasets, 2).map((b) => [b.dataset, b.names])).toEqual([['zones/z', [S1]], ['zones/cores/z', [S1]]]);
    expect(pruneBatches(rows, datasets, 3)).toEqual([]);
  });

  it('per dataset (ds@a,b) when -r would take a snapshot the rule keeps below', () => {
    // pg lost S3 by hand: keeping its newest, it keeps S2, which the zoneroot prunes.
    const rows = zoneRows({ 'zones/z': [S1, S2, S3], 'zones/z/pg': [S1, S2] });
    expect(pruneBatches(rows, ['zones/z', 'zones/z/pg'], 1)).toEqual([
      { dataset: 'zones/z', names: [S1, S2], recursive: false },
      { dataset: 'zones/z/pg', names: [S1], recursive: false },
    ]);
  });

  it('per dataset when a dataset below is not one of the zone datasets given', () => {
    const rows = zoneRows({ 'zones/z': [S1, S2], 'zones/z/x': [S1, S2] });
    expect(pruneBatches(rows, ['zones/z'], 1)).toEqual([{ dataset: 'zones/z', names: [S1], recursive: false }]);
  });
});
