import { describe, expect, it } from 'vitest';
import { jobZones } from '../../../src/plan/job-zones.js';
import { judgeStatus, parseAge, type StatusRow } from '../../../src/plan/status-check.js';
import { crontabLines } from '../../../src/plan/cron.js';

const vms = [
  { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', alias: 'web01' },
  { uuid: 'aaaaaaaa-0000-4000-8000-000000000002', alias: 'db01' },
  { uuid: 'aaaaaaaa-0000-4000-8000-000000000003', alias: 'twin' },
  { uuid: 'aaaaaaaa-0000-4000-8000-000000000004', alias: 'twin' },
];

describe('jobZones', () => {
  it('all minus excludes (by alias or uuid), sorted by alias', () => {
    const r = jobZones({ zones: 'all', exclude: ['db01', 'aaaaaaaa-0000-4000-8000-000000000004'] }, vms);
    expect(r.zones.map((z) => z.uuid)).toEqual(['aaaaaaaa-0000-4000-8000-000000000003', 'aaaaaaaa-0000-4000-8000-000000000001']);
  });
  it('a list: unknown and ambiguous names are that zone\'s error, the rest resolve once', () => {
    const r = jobZones({ zones: ['web01', 'nope', 'twin', 'aaaaaaaa-0000-4000-8000-000000000001'], exclude: [] }, vms);
    expect(r.zones.map((z) => z.alias)).toEqual(['web01']);
    expect(r.unresolved).toEqual([
      { ref: 'nope', why: 'no such zone on this host' },
      { ref: 'twin', why: 'alias names 2 zones; list the uuid' },
    ]);
  });
});

describe('status --check verdict', () => {
  const t = { warnSeconds: 26 * 3600, critSeconds: 50 * 3600 };
  const row = (ageH: number, extra: Partial<StatusRow> = {}): StatusRow => ({
    job: 'n',
    zone: 'z',
    alias: 'web01',
    newest: { path: '/a/x.zbak', createdAt: '2026-12-01T02:30:00Z', ageSeconds: ageH * 3600, verified: true, chainLength: 1 },
    lastRun: { at: '2026-12-01T02:30:00Z', ok: true },
    ...extra,
  });
  it.each([
    [[row(2), row(5)], 0, 'ZBAK OK - 2 zones, newest archives 2.0h to 5.0h old | oldest_archive=18000s;93600;180000'],
    [[row(2), row(30)], 1, 'ZBAK WARNING - web01: newest archive 30.0h old (warning over 26.0h)'],
    [[row(60)], 2, 'ZBAK CRITICAL - web01: newest archive 60.0h old (critical over 50.0h)'],
    [[row(2, { lastRun: { at: 'x', ok: false, error: 'disk full' } })], 1, 'ZBAK WARNING - web01: last run failed: disk full'],
    [[row(2, { newest: undefined })], 2, 'ZBAK CRITICAL - web01: no archive'],
    [[row(2, { newest: { path: '/a/x.zbak', createdAt: '2026-12-01T02:30:00Z', ageSeconds: 7200, verified: true, chainLength: 0 } })], 2, 'ZBAK CRITICAL - web01: newest archive /a/x.zbak cannot be restored: a link of its chain is missing on the medium'],
    [[row(2, { brokenOnMedium: '/a/y.zbak' })], 2, 'ZBAK CRITICAL - web01: newest archive on the mounted medium /a/y.zbak cannot be restored: a link of its chain is missing there'],
    [[], 3, 'ZBAK UNKNOWN - the config names no zone on this host'],
  ])('%#', (rows, code, line) => {
    const v = judgeStatus(rows, t);
    expect(v.code).toBe(code);
    expect(v.line.startsWith(line)).toBe(true);
  });
  it('ages', () => {
    expect([parseAge('26h'), parseAge('2d'), parseAge('90m'), parseAge('1w'), parseAge('-1h')]).toEqual([93600, 172800, 5400, undefined, undefined]);
  });
});

describe('crontab lines', () => {
  const t = { node: '/opt/tools/bin/node', zbakMain: '/opt/zbak/dist/src/cli/main.js', configPath: '/opt/custom/zbak/zbak.yaml' };
  it('one marked line per job with a PATH that has /usr/sbin', () => {
    expect(crontabLines([['nightly', { schedule: '30 2 * * *' }]], t)).toEqual([
      '30 2 * * * /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/opt/local/bin:/opt/tools/bin /opt/tools/bin/node /opt/zbak/dist/src/cli/main.js run nightly --config /opt/custom/zbak/zbak.yaml # zbak-job nightly',
    ]);
  });
  it('refuses a path cron\'s shell would interpret', () => {
    expect(() => crontabLines([['n', { schedule: '0 1 * * *' }]], { ...t, configPath: '/opt/my config;rm' })).toThrow(/config path/);
  });
});
