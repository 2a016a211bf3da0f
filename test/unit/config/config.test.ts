import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const yaml = `
log: /var/log/zbak.log
jobs:
  nightly:
    zones: all
    exclude: [scratch01]
    to: /archive
    keep: { daily: 7, weekly: 4 }
`;

describe('config file', () => {
  it('YAML with defaults filled in', () => {
    const c = parseConfig(yaml, 'zbak.yaml');
    expect(c.jobs.nightly).toEqual({ zones: 'all', exclude: ['scratch01'], to: '/archive', incremental: false, verify: true, keep: { daily: 7, weekly: 4 }, snapshots: 1, schedule: '30 2 * * *' });
  });

  it('JSON reads too', () => {
    const c = parseConfig(JSON.stringify({ log: 'syslog', jobs: { web: { zones: ['web01'], to: '/mnt/usb', verify: false } } }), 'zbak.json');
    expect(c.log).toBe('syslog');
    expect(c.jobs.web!.zones).toEqual(['web01']);
  });

  it.each([
    ['jobs: {}', 'zbak.yaml: jobs: no jobs'],
    ['jobs:\n  n:\n    zones: all\n    to: archive', 'zbak.yaml: jobs.n.to: not an absolute path'],
    ['jobs:\n  n:\n    zones: all\n    to: /a/../b', "zbak.yaml: jobs.n.to: has a '..' component"],
    ['jobs:\n  n:\n    zones: all\n    to: /a\n    keep: { hourly: 3 }', 'zbak.yaml: jobs.n.keep: Unrecognized key(s) in object: \'hourly\''],
    ['jobs:\n  n:\n    zones: all\n    to: /a\n    schedule: "every night"', 'zbak.yaml: jobs.n.schedule: not five cron fields like "30 2 * * *"'],
    ['jobs:\n  "bad name":\n    zones: all\n    to: /a', 'zbak.yaml: jobs.bad name: not a job name ([A-Za-z0-9_-], at most 64)'],
    ['jobs: [', 'zbak.yaml: not YAML or JSON:'],
  ])('%j is refused naming the key', (text, message) => {
    let err: unknown;
    try {
      parseConfig(text, 'zbak.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message.startsWith(message)).toBe(true);
  });
});

describe('config: incremental', () => {
  it('true or a policy; a bad key is refused', () => {
    const job = (inc: string) => parseConfig(`jobs:\n  n:\n    zones: all\n    to: /a\n    incremental: ${inc}\n`, 'z.yaml').jobs.n!.incremental;
    expect(job('true')).toBe(true);
    expect(job('{ full_every_days: 7, max_links: 14 }')).toEqual({ full_every_days: 7, max_links: 14 });
    expect(() => job('{ every: 7 }')).toThrow(/jobs\.n\.incremental/);
  });
});

describe('config: keys', () => {
  it('encrypt_to, recipients_file, sign and trust; a recipient that is not age1… is refused naming the key', () => {
    const c = parseConfig(
      'trust: [/k/sign.pem.pub]\njobs:\n  n:\n    zones: all\n    to: /a\n    encrypt_to: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq]\n    recipients_file: /k/r.txt\n    sign: /k/sign.pem\n',
      'z.yaml',
    );
    expect(c.trust).toEqual(['/k/sign.pem.pub']);
    expect(c.jobs.n).toMatchObject({ recipients_file: '/k/r.txt', sign: '/k/sign.pem' });
    expect(() => parseConfig('jobs:\n  n:\n    zones: all\n    to: /a\n    encrypt_to: [ssh-ed25519 AAAA]\n', 'z.yaml')).toThrow(/jobs\.n\.encrypt_to\.0: not an age recipient/);
    expect(() => parseConfig('jobs:\n  n:\n    zones: all\n    to: /a\n    sign: key.pem\n', 'z.yaml')).toThrow(/jobs\.n\.sign: not an absolute path/);
  });
  it('compress: zstd or zstd:LEVEL (1 to 19); anything else is refused naming the key', () => {
    const job = (v: string) => parseConfig(`jobs:\n  n:\n    zones: all\n    to: /a\n    compress: "${v}"\n`, 'z.yaml').jobs.n!.compress;
    expect(job('zstd')).toBe('zstd');
    expect(job('zstd:19')).toBe('zstd:19');
    for (const bad of ['zstd:20', 'gzip', 'zstd:0']) expect(() => job(bad), bad).toThrow(/jobs\.n\.compress: not a compression: zstd or zstd:LEVEL with LEVEL 1 to 19/);
  });
});
