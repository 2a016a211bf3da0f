import { describe, expect, it } from 'vitest';
import { snapshotsToPrune } from '../../../src/plan/prune.js';
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
