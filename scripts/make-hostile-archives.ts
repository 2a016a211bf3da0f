// Generates fixtures/archives/*.zbak: small hostile or broken archives, each with the
// error verify must give. Tar headers are encoded here by hand (not with tar-stream) so
// the fixtures do not depend on the library under test. Run after `npm run build`:
//   node dist/scripts/make-hostile-archives.js [outDir]
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compoundHeader, streamTail, substreamBegin, writeRecord } from '../fakezfs/send-records.js';

export interface RawEntry {
  name: string;
  /** ustar typeflag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory, 'x' pax. */
  type?: string;
  data?: Buffer | string;
  linkname?: string;
  /** Size written in the header when it should differ from the data (oversized claims). */
  claimedSize?: number;
}

const MTIME = 1_740_830_400; // 2025-03-01T12:00:00Z, fixed so fixtures are reproducible

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function ustarHeader(e: RawEntry, size: number): Buffer {
  const b = Buffer.alloc(512);
  b.write(e.name, 0, 100, 'utf8');
  octal(b, 100, 8, e.type === '5' ? 0o755 : 0o644);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, e.claimedSize ?? size);
  octal(b, 136, 12, MTIME);
  b.fill(0x20, 148, 156); // checksum field counts as spaces
  b.write(e.type ?? '0', 156, 1, 'ascii');
  if (e.linkname) b.write(e.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 6, 'ascii');
  b.write('00', 263, 2, 'ascii');
  b.write('root', 265, 32, 'ascii');
  b.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return b;
}

/** A tar file from raw entries; `end: false` leaves out the two zero blocks. */
export function rawTar(entries: RawEntry[], opts: { end?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    out.push(ustarHeader(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (opts.end !== false) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** A pax extended header entry overriding the next entry's path. */
export function paxPath(path: string): RawEntry {
  const body = ` path=${path}\n`;
  let len = body.length + 2;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return { name: 'PaxHeader', type: 'x', data: `${len}${body}` };
}

const ZONE = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
/** The records `zfs send -p` starts with (compound header, then the BEGIN of the fixture's stream s01). */
export function fixtureStreamHead(fromguid = '0'): Buffer {
  const toname = `zones/${ZONE}@zbak-1`;
  const begin = substreamBegin({ toguid: '2001', fromguid, toname, type: 'filesystem', clone: false, creation: 0 });
  return Buffer.concat([compoundHeader(toname, Buffer.from('nvlist (fixture)')), begin]);
}
const STREAM_BODY = Buffer.from('zfs send stream bytes (fixture)\n'.repeat(2));
/** Stream s01 of the fixtures, a whole `zfs send -p` stream (one WRITE record): 1952 bytes, one part. */
export const STREAM_DATA = Buffer.concat([fixtureStreamHead(), writeRecord(STREAM_BODY.length), STREAM_BODY, streamTail(true)]);
const sum = (name: string, data: Buffer | string) => {
  const b = Buffer.from(data);
  return { name, size: b.length, sha256: createHash('sha256').update(b).digest('hex') };
};

/** The header of the fixtures: one full zoneroot stream, no images, 4 KiB parts. */
export function fixtureHeader(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'zbak', formatVersion: 1, tool: { name: 'zbak', version: '0.1.0' }, createdAt: '2025-03-01T12:00:00.000Z',
    source: { hostname: 'host-a', sysinfoUuid: '44454c4c-3200-1035-8030-b8c04f4c4e31', platform: '20250301T000000Z', pool: 'zones' },
    zone: { uuid: ZONE, alias: 'web', brand: 'joyent', state: 'stopped', autoboot: false },
    snapshotName: 'zbak-1', partSize: 4096, vmadmEntry: 'vmadm.json', images: [],
    streams: [{
      id: 's01', role: 'zoneroot', dataset: ZONE, kind: 'full', to: { snapshot: 'zbak-1', guid: '2001' },
      snapshots: [{ name: 'zbak-1', guid: '2001' }], withProperties: true, sendArgv: ['zfs', 'send', '-p', `zones/${ZONE}@zbak-1`],
    }],
    ...overrides,
  };
}

/** The entries of a valid archive (stream s01 cut into `parts`); hostile variants splice into this list. */
export function validEntries(
  header: Record<string, unknown> = fixtureHeader(),
  parts: Buffer[] = [STREAM_DATA],
  vmadm = `{"uuid":"${ZONE}","alias":"web","brand":"joyent"}\n`,
): RawEntry[] {
  const headerJson = `${JSON.stringify(header, null, 2)}\n`;
  const partSums = parts.map((p, i) => sum(`streams/s01/${String(i).padStart(6, '0')}`, p));
  const whole = sum('s01', Buffer.concat(parts));
  const trailer = {
    format: 'zbak', formatVersion: 1, entries: [sum('zbak.json', headerJson), sum('vmadm.json', vmadm)],
    streams: [{ id: 's01', size: whole.size, sha256: whole.sha256, parts: partSums }],
  };
  return [
    { name: 'zbak.json', data: headerJson },
    { name: 'vmadm.json', data: vmadm },
    ...parts.map((p, i) => ({ name: partSums[i]?.name ?? '', data: p })),
    { name: 'zbak-trailer.json', data: `${JSON.stringify(trailer, null, 2)}\n` },
  ];
}

const splice = (at: number, remove: number, ...add: RawEntry[]): RawEntry[] => {
  const e = validEntries();
  e.splice(at, remove, ...add);
  return e;
};

export interface HostileArchive {
  file: string;
  /** What verify must say (a substring of the error message). */
  error: string;
  bytes: Buffer;
}

/** Every fixture, with the message verify gives for it. */
export function hostileArchives(): HostileArchive[] {
  const h = (file: string, error: string, entries: RawEntry[], opts?: { end?: boolean }): HostileArchive => ({
    file, error, bytes: rawTar(entries, opts),
  });
  return [
    h('valid.zbak', '', validEntries()),
    h('dotdot.zbak', "../../etc/cron.d/zbak: unsafe entry name: '..' path component", splice(1, 0, { name: '../../etc/cron.d/zbak', data: 'x' })),
    h('absolute.zbak', '/etc/cron.d/zbak: unsafe entry name: absolute path', splice(1, 0, { name: '/etc/cron.d/zbak', data: 'x' })),
    h('backslash.zbak', 'unsafe entry name: backslash in name', splice(2, 0, { name: 'streams\\s01\\000000', data: 'x' })),
    h('pax-dotdot.zbak', "../../root/.ssh/authorized_keys: unsafe entry name: '..' path component",
      splice(1, 1, paxPath('../../root/.ssh/authorized_keys'), { name: 'vmadm.json', data: '{}' })),
    h('symlink.zbak', 'vmadm.json: is a symlink to "/etc/shadow"; only regular files are allowed',
      splice(1, 1, { name: 'vmadm.json', type: '2', linkname: '/etc/shadow' })),
    h('hardlink.zbak', 'streams/s01/000000: is a hard link to "/etc/shadow"; only regular files are allowed',
      splice(2, 1, { name: 'streams/s01/000000', type: '1', linkname: '/etc/shadow' })),
    h('directory.zbak', 'streams/: is a directory; only regular files are allowed', splice(2, 0, { name: 'streams/', type: '5' })),
    h('device.zbak', 'dev/zero: is a character device; only regular files are allowed', splice(1, 0, { name: 'dev/zero', type: '3' })),
    h('unexpected-name.zbak', 'notes.txt: unexpected entry name', splice(2, 0, { name: 'notes.txt', data: 'hello' })),
    h('duplicate.zbak', 'vmadm.json: duplicate entry', splice(2, 0, { name: 'vmadm.json', data: '{}' })),
    h('header-not-first.zbak', 'vmadm.json: archive does not start with zbak.json', splice(0, 2, validEntries()[1] as RawEntry, validEntries()[0] as RawEntry)),
    h('entry-after-trailer.zbak', 'streams/s01/000001: entry after zbak-trailer.json', [...validEntries(), { name: 'streams/s01/000001', data: 'x' }]),
    h('oversized-json.zbak', 'vmadm.json: entry is 4294967295 bytes, more than the 8388608 allowed',
      splice(1, 3, { name: 'vmadm.json', claimedSize: 0xffffffff }), { end: false }),
    h('version-3.zbak', 'archive format version 3 is not supported by this zbak (supports 1 and 2)',
      validEntries(fixtureHeader({ formatVersion: 3, somethingNew: true }))),
    h('bad-schema.zbak', 'zbak.json: invalid header: streams.0.to.guid', validEntries(fixtureHeader({
      streams: [{ ...(fixtureHeader().streams as object[])[0], to: { snapshot: 'zbak-1', guid: 'not-a-guid' } }],
    }))),
    h('no-trailer.zbak', 'zbak-trailer.json: missing: the archive is incomplete', validEntries().slice(0, 3)),
    h('begin-fromguid.zbak', "streams/s01/000000: BEGIN record fromguid 1001 differs from the header's from GUID 0 (a full stream)",
      validEntries(fixtureHeader(), [Buffer.concat([fixtureStreamHead('1001'), STREAM_DATA.subarray(fixtureStreamHead().length)])])),
  ];
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? join(process.cwd(), 'fixtures/archives');
  await mkdir(outDir, { recursive: true });
  const lines = ['# Hostile and broken archives', '', 'Generated by `scripts/make-hostile-archives.ts`; `test/unit/archive/hostile.test.ts`',
    'checks that `verifyArchive` rejects each with the message below.', '', '| file | verify says |', '|---|---|'];
  for (const a of hostileArchives()) {
    await writeFile(join(outDir, a.file), a.bytes);
    lines.push(`| ${a.file} | ${a.error ? `\`${a.error.replaceAll('|', '\\|')}\`` : '(valid: verifies)'} |`);
  }
  await writeFile(join(outDir, 'README.md'), `${lines.join('\n')}\n`);
  console.log(`wrote ${hostileArchives().length} archives to ${outDir}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
