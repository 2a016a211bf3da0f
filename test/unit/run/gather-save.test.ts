import { describe, expect, it } from 'vitest';
import { gatherSaveInventory } from '../../../src/run/gather.js';
import type { RunResult } from '../../../src/host/host.js';
import { isSameOrBelow } from '../../../src/model/names.js';
import { MemoryHost } from '../../support/memory-host.js';
import { fixture, HOST_A } from '../../support/fixtures.js';

const J = HOST_A.joyent;
const LISTING = fixture('zfs/host-a-list.tsv');

/**
 * Host A answering the look-ups of a save from its fixtures. `imgadm get` answers a timer later
 * than everything else (the others answer within the same turn of the event loop), and every
 * start and end is logged, so a look-up that waited for imgadm shows in the log.
 */
class LookupHost extends MemoryHost {
  readonly events: string[] = [];
  constructor(private readonly installed: readonly string[]) {
    super();
  }

  override async run(argv: readonly string[]): Promise<RunResult> {
    const cmd = argv.slice(0, 2).join(' ');
    this.events.push(`start ${cmd}`);
    this.ran.push(argv.join(' '));
    const ok = (stdout: string): RunResult => ({ argv, exitCode: 0, signal: null, stdout, stderrTail: '', durationMs: 0 });
    let r: RunResult;
    if (cmd === 'vmadm get') r = ok(fixture(`smartos/host-a/vmadm/${argv[2]}.json`));
    else if (cmd === 'sysinfo') r = ok(fixture('smartos/host-a/sysinfo-excerpt.json'));
    else if (cmd === 'imgadm get') {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const uuid = argv[argv.length - 1]!;
      r = this.installed.includes(uuid)
        ? ok(fixture(`smartos/host-a/imgadm/get-${uuid}.json`))
        : { argv, exitCode: 3, signal: null, stdout: '', stderrTail: `imgadm get: error (ImageNotInstalled): image "${uuid}" was not found`, durationMs: 0 };
    } else if (cmd === 'zfs list') {
      // zfs list -r NAME...: the rows at or below the names asked for.
      const trees = argv.slice(argv.indexOf('-r') + 1);
      r = ok(LISTING.split('\n').filter((l) => l !== '' && trees.some((t) => isSameOrBelow(l.split('\t')[0]!.split('@')[0]!, t))).map((l) => `${l}\n`).join(''));
    } else if (cmd === 'zfs get') r = ok('');
    else throw new Error(`unexpected command ${argv.join(' ')}`);
    this.events.push(`end ${cmd}`);
    return r;
  }
}

describe("a save's look-ups (gatherSaveInventory)", () => {
  it('lists the datasets and reads their properties while imgadm looks up the image, in one fixed order', async () => {
    const host = new LookupHost([HOST_A.webappImage, HOST_A.baseImage]);
    const inv = await gatherSaveInventory(host, J);
    // The webapp image is named by the zone's JSON; its origin (the base image) only by imgadm.
    expect(host.ran.map((c) => c.split(' ').slice(0, 2).join(' ') + ' ' + c.split(' ').at(-1))).toEqual([
      `vmadm get ${J}`,
      'sysinfo sysinfo',
      `imgadm get ${HOST_A.webappImage}`,
      `zfs list zones/${HOST_A.webappImage}`,
      `zfs get zones/cores/${J}`,
      `imgadm get ${HOST_A.baseImage}`,
      `zfs list zones/${HOST_A.baseImage}`,
    ]);
    // Both zfs look-ups ran while the first imgadm get was still out.
    expect(host.events.indexOf('end zfs get')).toBeLessThan(host.events.indexOf('end imgadm get'));
    expect(inv.images.map((i) => i.uuid).sort()).toEqual([HOST_A.webappImage, HOST_A.baseImage].sort());
    const names = inv.rows.map((r) => r.name);
    for (const n of [`zones/${J}`, `zones/${J}/data/pgdata@pre-upgrade`, `zones/cores/${J}`, `zones/${HOST_A.webappImage}@final`, `zones/${HOST_A.baseImage}@final`]) {
      expect(names).toContain(n);
    }
    expect(Object.keys(inv.props ?? {}).sort()).toEqual([`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`].sort());
  });

  it("leaves out the rows of an image dataset imgadm does not know, as the plan reads 'not installed' from the records", async () => {
    const host = new LookupHost([]);
    const inv = await gatherSaveInventory(host, J);
    expect(inv.images).toEqual([]);
    expect(inv.rows.map((r) => r.name).filter((n) => n.startsWith(`zones/${HOST_A.webappImage}`))).toEqual([]);
    expect(inv.rows.map((r) => r.name)).toContain(`zones/${J}`);
    // No origin to follow: no second imgadm get or zfs list.
    expect(host.ran).toHaveLength(5);
  });
});
