// Bad input gets a one-line error naming the thing and the fix, a distinct
// exit code, and leaves the (fake) host exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { copyFile, mkdir, readdir, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { demoHostWithArchive } from '../support/demo-host.js';
import { FakeSmartOS, REPO, ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { BASE_IMAGE, createImages } from '../../scripts/lib/demo-zone.js';
import { partListDigest } from '../../src/archive/stream-digest.js';

let dir: string;
let a: FakeSmartOS;
let archives: string;
let good: string;
let uuid: string;

beforeAll(async () => {
  ({ dir, a, good, uuid, archives } = await demoHostWithArchive('zbak-refuse-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs zbak and checks the exit code, the one-line message, and that the host did not change. */
async function refused(host: FakeSmartOS, args: string[], exitCode: number, message: RegExp, env: Record<string, string> = {}): Promise<void> {
  const before = await host.stateSummary();
  const r = await host.zbak(args, env);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.exitCode, r.stderr).toBe(exitCode);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('zbak:'))).toHaveLength(1);
  expect(await host.stateSummary()).toBe(before);
}

async function copyArchive(name: string): Promise<string> {
  const p = join(dir, name);
  await copyFile(good, p);
  return p;
}

async function zbakFiles(d: string): Promise<string[]> {
  return (await readdir(d)).filter((f) => f.endsWith('.zbak'));
}

describe('save refuses', () => {
  it('an unknown uuid or alias (exit 4)', async () => {
    await refused(a, ['save', 'no-such-zone', '--to', archives], 4, /no zone with uuid or alias 'no-such-zone'.*zbak list/);
    await refused(a, ['save', '00000000-0000-4000-8000-000000000000', '--to', archives], 4, /no zone with uuid '00000000/);
  });

  it('a missing target directory (exit 4) and a target that is a file (exit 2)', async () => {
    await refused(a, ['save', 'web01', '--to', join(dir, 'nope')], 4, /target directory .*nope does not exist/);
    const f = join(dir, 'a-file');
    await writeFile(f, 'x');
    await refused(a, ['save', 'web01', '--to', f], 2, /is not a directory/);
  });

  it('a send that dies mid-stream: no archive, snapshot removed (exit 1)', async () => {
    const out = join(dir, 'die');
    await mkdir(out);
    await refused(a, ['save', 'web01', '--to', out], 1, /cannot send .*zfs exited 1/, { ZBAK_FAKE_SEND_DIE_AFTER: '2000' });
    expect(await readdir(out)).toEqual([]);
  });

  it('ENOSPC mid-write: no *.zbak file, temp removed, snapshot removed (exit 1)', async () => {
    const small = join(dir, 'small');
    await mkdir(small);
    // More incompressible data than the 64 KiB target can hold.
    await a.writeFiles(`/zones/${uuid}/root`, { 'var/big.bin': randomBytes(256 * 1024).toString('base64') });
    const m = await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { reject: false });
    // Needs root (CI runs as root): a failed mount fails the test, never skips it.
    expect(m.exitCode, `mount -t tmpfs: ${m.stderr}`).toBe(0);
    try {
      await refused(a, ['save', 'web01', '--to', small, '--part-size', '4K'], 1, /no space left|ENOSPC/i);
      expect(await readdir(small)).toEqual([]);
    } finally {
      await execa('umount', [small], { reject: false });
    }
  });
});

describe('one zbak per zone at a time', () => {
  it('save refuses while another zbak holds the zone lock (exit 11)', async () => {
    const lockDir = join(a.root, 'var/run/zbak');
    await mkdir(lockDir, { recursive: true });
    // The lock records its holder's pid; this test process is alive, so it holds.
    await writeFile(join(lockDir, `${uuid}.lock`), JSON.stringify({ pid: process.pid, token: '0123456789abcdef', since: new Date().toISOString() }));
    try {
      await refused(a, ['save', 'web01', '--to', archives], 11, new RegExp(`another zbak is working on ${uuid}`));
      // Restore takes the same lock before it looks at the host: the lock, not
      // the existing zone (exit 5), is what it reports.
      await refused(a, ['restore', good], 11, new RegExp(`another zbak is working on ${uuid}`));
    } finally {
      await rm(join(lockDir, `${uuid}.lock`));
    }
  });
});

describe('restore checks the pool has room first (exit 6)', () => {
  it('refuses on a pool smaller than what the datasets used at save, naming both figures; --dry-run shows them', async () => {
    const b = new FakeSmartOS(join(dir, 'small-b'), 'host-b');
    await b.init('bbbbbbbb-0000-4000-8000-000000000009');
    const used = Number((await b.must(['zfs', 'get', '-H', '-p', '-o', 'value', 'used', 'zones'])).trim());
    const tiny = { ZBAK_FAKE_POOL_SIZE: String(used + 1024) };
    await refused(b, ['restore', good], 6, /pool zones has 1\.0 KiB available, but zone [0-9a-f-]{36} needs about [0-9.]+ KiB \(what its datasets used on host-a\); free space in zones or restore on another host/, tiny);
    const dry = await b.zbak(['restore', good, '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/space: needs about [0-9.]+ KiB; pool has 100(\.0)? GiB/);
  });
});

describe('verify and restore refuse a damaged archive (exit 10/12), changing nothing', () => {
  it('a missing file', async () => {
    await refused(a, ['verify', join(dir, 'missing.zbak')], 10, /missing\.zbak/);
  });

  it('a truncated archive', async () => {
    const p = await copyArchive('trunc.zbak');
    await truncate(p, Math.floor((await stat(p)).size / 2));
    await refused(a, ['verify', p], 12, /truncated|incomplete/i);
    await a.must(['vmadm', 'delete', uuid]);
    try {
      await refused(a, ['restore', p], 12, /truncated|incomplete/i);
    } finally {
      const r = await a.zbak(['restore', good]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  it('a flipped byte inside a stream part: verify names the part', async () => {
    const p = await copyArchive('flip.zbak');
    const buf = await readFile(p);
    const at = buf.indexOf(Buffer.from('streams/s03/000000')) + 512 + 100;
    buf[at] = buf[at]! ^ 0xff;
    await writeFile(p, buf);
    await refused(a, ['verify', p], 12, /streams\/s03\/000000/);
    // Several files (a weekly check of the backup disk): each is reported, the bad one does not stop the rest.
    const r = await a.zbak(['verify', p, good, join(dir, 'missing.zbak')]);
    expect(r.exitCode).toBe(12);
    expect(r.stdout.trim()).toBe(`${good}: OK (zone ${uuid}, 7 streams, ${r.stdout.match(/(\d+) bytes/)?.[1]} bytes, all checksums match; unsigned (no signature entries))`);
    expect(r.stderr).toMatch(/^zbak: .*flip\.zbak: .*streams\/s03\/000000.*\nzbak: .*missing\.zbak: .*\nzbak: 1 of 3 archives verified; 2 failed\n?$/);
  });
});

/** Each ustar entry's name, data offset and size (zbak writes plain ustar, no pax). */
function tarEntries(tar: Buffer): { name: string; data: number; size: number }[] {
  const out = [];
  for (let off = 0; off + 512 <= tar.length && tar[off] !== 0; ) {
    const name = tar.subarray(off, off + 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    out.push({ name, data: off + 512, size });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('verify and restore refuse a stream whose BEGIN record was rewritten (exit 12), changing nothing', () => {
  it('the zoneroot stream made a clone of another snapshot, every checksum recomputed', async () => {
    const buf = await readFile(await copyArchive('begin.zbak'));
    const entries = tarEntries(buf);
    const json = (name: string): { e: { data: number; size: number }; doc: Record<string, unknown> } => {
      const e = entries.find((x) => x.name === name)!;
      return { e, doc: JSON.parse(buf.subarray(e.data, e.data + e.size).toString('utf8')) as Record<string, unknown> };
    };
    type Spec = { id: string; role: string; from?: { guid: string }; imageUuid?: string; to: { guid: string } };
    const header = json('zbak.json').doc as { streams: Spec[] };
    const root = header.streams.find((s) => s.role === 'zoneroot')!;
    const base = header.streams.find((s) => s.role === 'image' && s.from === undefined)!;
    expect(root.from!.guid).not.toBe(base.to.guid);
    // -p -I: a compound BEGIN (312 bytes), its nvlist (drr_payloadlen), an END, then the
    // first substream BEGIN, whose drr_fromguid is at +48.
    const parts = entries.filter((x) => x.name.startsWith(`streams/${root.id}/`));
    const first = parts[0]!;
    const begin = first.data + 312 + buf.readUInt32LE(first.data + 4) + 312;
    expect(buf.readBigUInt64LE(begin + 48).toString()).toBe(root.from!.guid);
    buf.writeBigUInt64LE(BigInt(base.to.guid), begin + 48);
    // Recompute the part and stream sums in the trailer: same lengths, so the tar layout is unchanged.
    const t = json('zbak-trailer.json');
    const trailerText = buf.subarray(t.e.data, t.e.data + t.e.size).toString('utf8');
    const listed = (t.doc as { streams: { id: string; sha256: string; parts: { name: string; sha256: string }[] }[] }).streams.find((s) => s.id === root.id)!;
    const data = (e: { data: number; size: number }): Buffer => buf.subarray(e.data, e.data + e.size);
    const newParts = listed.parts.map((p, i) => (i === 0 ? { ...p, sha256: sha256(data(first)) } : p));
    const patched = trailerText
      .replace(listed.parts[0]!.sha256, sha256(data(first)))
      .replace(listed.sha256, partListDigest(newParts)); // format version 2: the digest of the part list
    expect(patched).not.toBe(trailerText);
    buf.write(patched, t.e.data, 'utf8');
    const p = join(dir, 'begin-rewritten.zbak');
    await writeFile(p, buf);
    const message = new RegExp(`streams/${root.id}/000000: BEGIN record fromguid ${base.to.guid} differs from the header's from GUID ${root.from!.guid}`);
    await refused(a, ['verify', p], 12, message);
    await a.must(['vmadm', 'delete', uuid]);
    try {
      await refused(a, ['restore', p], 12, message);
    } finally {
      const r = await a.zbak(['restore', good]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });
});

describe('restore refuses every hostile archive in fixtures/archives (exit 12), changing nothing', () => {
  const HOSTILE = [
    ['dotdot', /'\.\.' path component/], ['absolute', /absolute path/], ['backslash', /backslash/],
    ['pax-dotdot', /'\.\.' path component/], ['symlink', /symlink/], ['hardlink', /hard link/],
    ['directory', /is a directory/], ['device', /character device/], ['unexpected-name', /unexpected entry name/],
    ['duplicate', /duplicate entry/], ['header-not-first', /does not start with zbak\.json/],
    ['entry-after-trailer', /entry after zbak-trailer\.json/], ['oversized-json', /more than the \d+ allowed/],
    ['version-3', /archive format version 3 is not supported by this zbak \(supports 1 and 2\)/],
    ['bad-schema', /invalid header/], ['no-trailer', /incomplete/],
    ['begin-fromguid', /streams\/s01\/000000: BEGIN record fromguid 1001 differs from the header's from GUID 0/],
  ] as const;
  for (const [name, message] of HOSTILE) {
    it(name, async () => {
      await refused(a, ['restore', join(REPO, `fixtures/archives/${name}.zbak`)], 12, message);
    });
  }
});

describe('restore refuses host conflicts (exit 5), changing nothing', () => {
  it('a zone with the same uuid exists', async () => {
    await refused(a, ['restore', good], 5, /zone 8aa8dff0-5ee1-4d22-a283-bf79505dfbe3 \(web01\) already exists.*--force/);
  });

  it('the base image is installed with another @final GUID', async () => {
    const b = new FakeSmartOS(join(dir, 'b-other-image'), 'host-b');
    await b.init('bbbbbbbb-0000-4000-8000-000000000002');
    await createImages(b); // built independently: same uuids, different GUIDs
    await refused(b, ['restore', good], 5, new RegExp(`image ${BASE_IMAGE} .* @final GUID \\d+ but the archive's is \\d+`));
  });

  it('vmadm create fails (MAC taken by another zone): images installed by this run are removed again', async () => {
    const d = new FakeSmartOS(join(dir, 'd-mac'), 'host-d');
    await d.init('dddddddd-0000-4000-8000-000000000004');
    const squatterImage = 'aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa';
    await d.createImage({ uuid: squatterImage, name: 'other', version: '1', type: 'zone-dataset', files: { 'root/x': 'x' } });
    await d.createZone({
      brand: 'joyent',
      alias: 'squatter',
      image_uuid: squatterImage,
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.99', netmask: '255.255.255.0', mac: '90:b8:d0:3c:1a:52' }],
    });
    await refused(d, ['restore', good], 1, /vmadm create.*Conflict detected with another vm/);
  });

  it('a receive that fails part-way: the zone and images it created are removed', async () => {
    const e = new FakeSmartOS(join(dir, 'e-recv'), 'host-e');
    await e.init('eeeeeeee-0000-4000-8000-000000000005');
    await refused(e, ['restore', good], 1, /receive s05.*injected failure/, { ZBAK_FAKE_FAIL: 'receive:pgdata' });
  });
});

describe('usage errors (exit 2)', () => {
  it('no command, an unknown flag, a bad part size', async () => {
    expect((await a.zbak([])).exitCode).toBe(2);
    expect((await a.zbak(['save', 'web01', '--to', archives, '--bogus'])).exitCode).toBe(2);
    const r = await a.zbak(['save', 'web01', '--to', archives, '--part-size', 'lots']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--part-size 'lots' is not a size/);
    // Beyond what the format allows: refused before any snapshot is taken (refused() checks the host is unchanged).
    await refused(a, ['save', 'web01', '--to', archives, '--part-size', '2G'], 2, /--part-size 2G is out of range; use 1K to 1G/);
    expect(await zbakFiles(archives)).toHaveLength(1);
  });

  it('save without a zone, with zones and --all, or --keep-archives 0', async () => {
    await refused(a, ['save', '--to', archives], 2, /name a zone to save \(uuid or alias\), or --all/);
    await refused(a, ['save', 'web01', '--all', '--to', archives], 2, /give zones or --all, not both/);
    await refused(a, ['save', 'web01', '--to', archives, '--keep-archives', '0'], 2, /--keep-archives: keep at least 1/);
    expect(await zbakFiles(archives)).toHaveLength(1);
  });
});

describe('interrupted (exit 130)', () => {
  it('SIGTERM during save: no archive, no temp file, no snapshot left', async () => {
    const out = join(dir, 'interrupt');
    await mkdir(out);
    await a.writeFiles(`/zones/${uuid}/root`, { 'var/big.bin': randomBytes(48 * 1024 * 1024).toString('base64') });
    const before = await a.stateSummary();
    const child = execa('node', [ZBAK_MAIN, 'save', 'web01', '--to', out, '--part-size', '1M'], { env: a.env, reject: false });
    // Wait until the archive is being written, then stop zbak the way cron or systemd would.
    for (let i = 0; i < 600 && !(await readdir(out)).some((f) => f.includes('.partial-')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await readdir(out)).not.toEqual([]);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(130);
    expect(String(r.stderr)).toMatch(/zbak: interrupted by SIGTERM/);
    expect(await readdir(out)).toEqual([]);
    expect(await a.stateSummary()).toBe(before);
  });
});
