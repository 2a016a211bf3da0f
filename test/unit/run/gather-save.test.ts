import { describe, expect, it } from 'vitest';
import { gatherSaveInventory } from '../../../src/run/gather.js';
import type { RunResult } from '../../../src/host/host.js';
import { isSameOrBelow } from '../../../src/model/names.js';
import { imgadmDbPath } from '../../../src/model/ownership.js';
import { MemoryHost } from '../../support/memory-host.js';
import { fixture, HOST_A } from '../../support/fixtures.js';

const J = HOST_A.joyent;
const LISTING = fixture('zfs/host-a-list.tsv');

/** What `imgadm get` of an installed image prints, and its database record: the same text (database.js). */
const record = (uuid: string): string => fixture(`smartos/host-a/imgadm/get-${uuid}.json`);
const dbPath = (uuid: string): string => imgadmDbPath('zones', uuid);

/**
 * Host A answering the look-ups of a save from its fixtures. `imgadm get` answers a timer later
 * than everything else (the others answer within the same turn of the event loop), and every
 * start and end is logged, so a look-up that waited for imgadm shows in the log. `installed`
 * are the images `imgadm get` knows; `gone` are image datasets left out of the listing; the
 * imgadm database (files) starts empty.
 */
class LookupHost extends MemoryHost {
  readonly events: string[] = [];
  constructor(
    private readonly installed: readonly string[],
    private readonly gone: readonly string[] = [],
  ) {
    super();
  }

  /** Puts these images' records in imgadm's database. */
  withRecords(...uuids: string[]): this {
    for (const uuid of uuids) this.files.set(dbPath(uuid), record(uuid));
    return this;
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
        ? ok(record(uuid))
        : { argv, exitCode: 3, signal: null, stdout: '', stderrTail: `imgadm get: error (ImageNotInstalled): image "${uuid}" was not found`, durationMs: 0 };
    } else if (cmd === 'zfs list') {
      // zfs list -r NAME...: the rows at or below the names asked for.
      const trees = argv.slice(argv.indexOf('-r') + 1);
      const dataset = (l: string): string => l.split('\t')[0]!.split('@')[0]!;
      const rows = LISTING.split('\n').filter((l) => l !== '' && trees.some((t) => isSameOrBelow(dataset(l), t)));
      r = ok(rows.filter((l) => !this.gone.some((g) => isSameOrBelow(dataset(l), `zones/${g}`))).map((l) => `${l}\n`).join(''));
    } else if (cmd === 'zfs get') r = ok('');
    else throw new Error(`unexpected command ${argv.join(' ')}`);
    this.events.push(`end ${cmd}`);
    return r;
  }
}

const trace = (host: LookupHost): string[] => host.ran.map((c) => c.split(' ').slice(0, 2).join(' ') + ' ' + c.split(' ').at(-1));

describe("a save's look-ups (gatherSaveInventory)", () => {
  it("reads the images' records from imgadm's database: no imgadm process, one zfs list per generation", async () => {
    const host = new LookupHost([HOST_A.webappImage, HOST_A.baseImage]).withRecords(HOST_A.webappImage, HOST_A.baseImage);
    const inv = await gatherSaveInventory(host, J);
    // The webapp image is named by the zone's JSON; its origin (the base image) only by its manifest.
    expect(trace(host)).toEqual([`vmadm get ${J}`, 'sysinfo sysinfo', `zfs list zones/${HOST_A.webappImage}`, `zfs get zones/cores/${J}`, `zfs list zones/${HOST_A.baseImage}`]);
    expect(inv.images.map((i) => i.uuid).sort()).toEqual([HOST_A.webappImage, HOST_A.baseImage].sort());
    // The archive keeps what imgadm get would have printed, byte for byte.
    for (const i of inv.images) expect(i.rawRecord).toBe(record(i.uuid));
    const names = inv.rows.map((r) => r.name);
    for (const n of [`zones/${J}`, `zones/${J}/data/pgdata@pre-upgrade`, `zones/cores/${J}`, `zones/${HOST_A.webappImage}@final`, `zones/${HOST_A.baseImage}@final`]) {
      expect(names).toContain(n);
    }
    expect(Object.keys(inv.props ?? {}).sort()).toEqual([`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`].sort());
  });

  it('asks imgadm get for an installed image whose record is missing, beside the properties, in one fixed order', async () => {
    const host = new LookupHost([HOST_A.webappImage, HOST_A.baseImage]).withRecords(HOST_A.baseImage);
    const inv = await gatherSaveInventory(host, J);
    expect(trace(host)).toEqual([
      `vmadm get ${J}`,
      'sysinfo sysinfo',
      `zfs list zones/${HOST_A.webappImage}`,
      `zfs get zones/cores/${J}`,
      `imgadm get ${HOST_A.webappImage}`,
      `zfs list zones/${HOST_A.baseImage}`,
    ]);
    // zfs get did not wait for imgadm.
    expect(host.events.indexOf('end zfs get')).toBeLessThan(host.events.indexOf('end imgadm get'));
    expect(inv.images.map((i) => i.uuid).sort()).toEqual([HOST_A.webappImage, HOST_A.baseImage].sort());
  });

  it('keeps a record written in another layout as imgadm get prints it', async () => {
    const host = new LookupHost([HOST_A.webappImage, HOST_A.baseImage]).withRecords(HOST_A.baseImage);
    host.files.set(dbPath(HOST_A.webappImage), JSON.stringify(JSON.parse(record(HOST_A.webappImage))));
    const inv = await gatherSaveInventory(host, J);
    expect(host.ran.filter((c) => c.startsWith('imgadm'))).toEqual([]);
    expect(inv.images.find((i) => i.uuid === HOST_A.webappImage)?.rawRecord).toBe(record(HOST_A.webappImage));
  });

  it('takes imgadm get, not the file, when the record is not whole JSON of a manifest or names another image', async () => {
    for (const text of ['{"manifest": {"uuid": ', JSON.stringify({ manifest: { uuid: HOST_A.webappImage } }), record(HOST_A.baseImage)]) {
      const host = new LookupHost([HOST_A.webappImage, HOST_A.baseImage]).withRecords(HOST_A.baseImage);
      host.files.set(dbPath(HOST_A.webappImage), text);
      const inv = await gatherSaveInventory(host, J);
      expect(host.ran.filter((c) => c.startsWith('imgadm get'))).toEqual([`imgadm get -P zones ${HOST_A.webappImage}`]);
      expect(inv.images.find((i) => i.uuid === HOST_A.webappImage)?.rawRecord).toBe(record(HOST_A.webappImage));
    }
  });

  it('does not take a record whose image dataset is gone (imgadm: not installed), nor follow its origin', async () => {
    const host = new LookupHost([HOST_A.webappImage, HOST_A.baseImage], [HOST_A.webappImage]).withRecords(HOST_A.webappImage, HOST_A.baseImage);
    const inv = await gatherSaveInventory(host, J);
    expect(inv.images).toEqual([]);
    expect(trace(host)).toEqual([`vmadm get ${J}`, 'sysinfo sysinfo', `zfs list zones/${HOST_A.webappImage}`, `zfs get zones/cores/${J}`]);
  });

  it("leaves out the rows of an image dataset imgadm does not know, as the plan reads 'not installed' from the records", async () => {
    const host = new LookupHost([]);
    const inv = await gatherSaveInventory(host, J);
    expect(inv.images).toEqual([]);
    expect(inv.rows.map((r) => r.name).filter((n) => n.startsWith(`zones/${HOST_A.webappImage}`))).toEqual([]);
    expect(inv.rows.map((r) => r.name)).toContain(`zones/${J}`);
    // No record, imgadm get says not installed: no origin to follow, no second zfs list.
    expect(trace(host)).toEqual([`vmadm get ${J}`, 'sysinfo sysinfo', `zfs list zones/${HOST_A.webappImage}`, `zfs get zones/cores/${J}`, `imgadm get ${HOST_A.webappImage}`]);
  });
});
