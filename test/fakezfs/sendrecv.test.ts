// zfs send / zfs receive: streams carry guids, clones find their origin by
// guid, and every refusal real ZFS makes comes with its message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendStreamParser } from '../../src/archive/send-stream.js';
import { RECORD_SIZE, substreamBegin } from '../../fakezfs/send-records.js';
import { type FakeHost, makeHost } from './harness.js';

let h: FakeHost;
let inc: Buffer;
let full: Buffer;
const guid = async (n: string): Promise<string> => (await h.ok('get', '-H', '-o', 'value', 'guid', n)).trim();

beforeAll(async () => {
  h = makeHost();
  await h.okPool('create', 'zones');
  await h.ok('create', 'zones/IMG');
  h.write('zones/IMG/etc/release', 'base');
  await h.ok('snapshot', 'zones/IMG@final');
  await h.ok('clone', 'zones/IMG@final', 'zones/ZONE');
  h.write('zones/ZONE/s1', 'one');
  await h.ok('snapshot', 'zones/ZONE@s1');
  h.write('zones/ZONE/s2', 'two');
  await h.ok('set', 'com.example:tier=gold', 'zones/ZONE');
  await h.ok('snapshot', 'zones/ZONE@s2');
  inc = (await h.zfsBytes(['send', '-p', '-I', 'zones/IMG@final', 'zones/ZONE@s2'])).out;
  full = (await h.zfsBytes(['send', 'zones/IMG@final'])).out;
  await h.ok('create', 'zones/other');
});
afterAll(() => h.cleanup());

const recv = (args: string[], data: Buffer, env?: NodeJS.ProcessEnv) => h.zfsBytes(['receive', ...args], data, env);

describe('zfs send', () => {
  it('starts like real zfs: compound header with -p/-I, then the first substream BEGIN', async () => {
    expect(new SendStreamParser().push(inc)).toEqual({
      toguid: await guid('zones/ZONE@s1'), fromguid: await guid('zones/IMG@final'), type: 'filesystem', toname: 'zones/ZONE@s1',
    });
    expect(inc.readUInt32LE(0)).toBe(0);
    expect(Number(inc.readBigUInt64LE(16) & 3n)).toBe(2);
    expect(inc.subarray(56, 70).toString('latin1')).toBe('zones/ZONE@s2\0');
    expect(new SendStreamParser().push(full)).toEqual({ toguid: await guid('zones/IMG@final'), fromguid: '0', type: 'filesystem', toname: 'zones/IMG@final' });
    expect(Number(full.readBigUInt64LE(16) & 3n)).toBe(1);
    expect(full.readUInt32LE(RECORD_SIZE)).toBe(3); // a WRITE record carrying the fake's magic
    expect(full.subarray(2 * RECORD_SIZE, 2 * RECORD_SIZE + 8).toString()).toBe('FAKEZFS1');
  });

  it('receives what the real BEGIN record says, not its own B frame', async () => {
    const forged = Buffer.from(full);
    forged.writeBigUInt64LE(123456789n, 40);
    expect((await recv(['zones/other/G'], forged)).code).toBe(0);
    expect(await guid('zones/other/G@final')).toBe('123456789');
    await h.ok('destroy', '-r', 'zones/other/G');
  });

  it('writes a whole send stream (records to the final END) that names the snapshot and ends with a checksummed record', async () => {
    expect(inc.subarray(inc.indexOf('FAKEZFS1'), inc.indexOf('FAKEZFS1') + 8).toString()).toBe('FAKEZFS1');
    expect(inc.includes(Buffer.from('"toname":"zones/ZONE@s2"'))).toBe(true);
    // The last substream's END, then the compound stream's final END.
    expect([inc.readUInt32LE(inc.length - 2 * RECORD_SIZE), inc.readUInt32LE(inc.length - RECORD_SIZE)]).toEqual([5, 5]);
    for (const stream of [inc, full]) {
      const walk = new SendStreamParser();
      walk.push(stream);
      expect(walk.finish().toname).toBe(stream === inc ? 'zones/ZONE@s1' : 'zones/IMG@final');
    }
    // One substream per snapshot of -I, as real zfs writes them.
    expect(inc.includes(substreamBegin({ toguid: await guid('zones/ZONE@s2'), fromguid: await guid('zones/ZONE@s1'), toname: 'zones/ZONE@s2', type: 'filesystem', clone: false, creation: 0 }).subarray(40, 56))).toBe(true);
  });

  it('receives a substream at its END record and leaves what follows the stream unread', async () => {
    expect((await recv(['zones/other/J'], Buffer.concat([full, full.subarray(0, 1000)]))).code).toBe(0);
    expect((await recv(['zones/other/J2'], full.subarray(0, full.length - 1))).stderr).toBe('cannot receive new filesystem stream: incomplete stream\n');
    expect((await h.zfs('list', 'zones/other/J2')).code).toBe(1);
    await h.ok('destroy', '-r', 'zones/other/J');
  });

  it('refuses an incremental source that is not earlier in the same fs or its origin', async () => {
    const r = await h.zfsBytes(['send', '-i', 'zones/ZONE@s2', 'zones/ZONE@s1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("warning: cannot send 'zones/ZONE@s1': not an earlier snapshot from the same fs\n");
    expect((await h.zfsBytes(['send', '-I', 'zones/other@x', 'zones/ZONE@s2'])).stderr).toMatch(/^incremental source must be in same filesystem\nusage:/);
    expect((await h.zfsBytes(['send', 'zones/ZONE@nope'])).stderr).toBe("cannot open 'zones/ZONE@nope': dataset does not exist\n");
  });

  it('takes -L -e -c as real zfs does: the same stream, with EMBED_DATA, LZ4 and COMPRESSED in the BEGIN feature flags', async () => {
    const flagged = (await h.zfsBytes(['send', '-L', '-e', '-c', '-p', '-I', 'zones/IMG@final', 'zones/ZONE@s2'])).out;
    const begin = flagged.indexOf('zones/ZONE@s1\0') - 56;
    expect(new SendStreamParser().push(flagged)).toEqual(new SendStreamParser().push(inc));
    expect(Number(flagged.readBigUInt64LE(begin + 16) >> 2n)).toBe((1 << 2) | (1 << 16) | (1 << 17) | (1 << 22));
    expect(Number(inc.readBigUInt64LE(begin + 16) >> 2n)).toBe(1 << 2);
    const long = (await h.zfsBytes(['send', '--large-block', '--embed', '--compressed', 'zones/IMG@final'])).out;
    expect(long.length).toBe(full.length);
    const r = await h.zfsBytes(['send', '-L', '-e', '-c', '-Q', 'zones/IMG@final']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^invalid option 'Q'\nusage:\n/);
  });

  it('estimates with -nvP', async () => {
    const out = (await h.zfsBytes(['send', '-nvP', '-I', 'zones/IMG@final', 'zones/ZONE@s2'])).out.toString();
    expect(out).toMatch(/^full\tzones\/ZONE@s1\t\d+\nincremental\ts1\tzones\/ZONE@s2\t\d+\nsize\t\d+\n$/);
  });
});

describe('zfs receive', () => {
  it('needs -F for a full stream onto an existing dataset', async () => {
    await h.ok('create', 'zones/other/E');
    const r = await recv(['zones/other/E'], full);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot receive new filesystem stream: destination 'zones/other/E' exists\nmust specify -F to overwrite it\n");
    expect((await recv(['-F', 'zones/other/E'], full)).code).toBe(0);
    expect(h.read('zones/other/E/etc/release')).toBe('base');
    expect((await recv(['-F', 'zones/other/E'], full)).stderr).toBe(
      'cannot receive new filesystem stream: destination has snapshots (eg. zones/other/E@final)\nmust destroy them to overwrite it\n',
    );
  });

  it('refuses a clone stream onto an existing clone even with -F', async () => {
    await h.ok('clone', 'zones/IMG@final', 'zones/other/C');
    expect((await recv(['-F', 'zones/other/C'], inc)).stderr).toBe(
      "cannot receive new filesystem stream: destination 'zones/other/C' is a clone\nmust destroy it to overwrite it\n",
    );
  });

  it('restores the clone, every snapshot guid, content and received properties after destroy -fr', async () => {
    const before = [await guid('zones/ZONE@s1'), await guid('zones/ZONE@s2')];
    await h.ok('destroy', '-fr', 'zones/ZONE');
    expect(h.exists('zones/ZONE')).toBe(false);
    const r = await recv(['-F', '-v', 'zones/ZONE'], inc);
    expect(r.code).toBe(0);
    expect(r.out.toString()).toContain('found clone origin zones/IMG@final\n');
    expect(await h.ok('get', '-H', '-o', 'value', 'origin', 'zones/ZONE')).toBe('zones/IMG@final\n');
    expect([await guid('zones/ZONE@s1'), await guid('zones/ZONE@s2')]).toEqual(before);
    expect(h.read('zones/ZONE/s2')).toBe('two');
    expect(await h.ok('get', '-H', '-o', 'value,source', 'com.example:tier', 'zones/ZONE')).toBe('gold\treceived\n');
  });

  it('finds the origin by guid under another name, most local first', async () => {
    await h.ok('create', '-p', 'zones/n2/deep');
    expect((await recv(['zones/n2/IMG-renamed'], full)).code).toBe(0);
    expect((await recv(['-u', 'zones/n2/deep/ZONE'], inc)).code).toBe(0);
    expect(await h.ok('get', '-H', '-o', 'value', 'origin,mounted', 'zones/n2/deep/ZONE')).toBe('zones/n2/IMG-renamed@final\nno\n');
    expect(h.exists('zones/n2/deep/ZONE')).toBe(false);
  });

  it('refuses a clone stream whose origin guid is not in the pool', async () => {
    await h.zpool('create', 'zones2');
    expect((await recv(['zones2/ZONE'], inc)).stderr).toBe('cannot receive: local origin for clone zones2/ZONE@s1 does not exist\n');
  });

  it('refuses incrementals onto a missing destination or a mismatched source', async () => {
    const i = (await h.zfsBytes(['send', '-i', '@s1', 'zones/ZONE@s2'])).out;
    expect((await recv(['zones/other/nope'], i)).stderr).toBe("cannot receive incremental stream: destination 'zones/other/nope' does not exist\n");
    await h.ok('create', 'zones/other/M');
    await h.ok('snapshot', 'zones/other/M@s1');
    expect((await recv(['zones/other/M'], i)).stderr).toBe(
      'cannot receive incremental stream: most recent snapshot of zones/other/M does not\nmatch incremental source\n',
    );
  });

  it('refuses a missing parent like libzfs, with two lines', async () => {
    expect((await recv(['zones/none/x'], full)).stderr).toBe(
      "cannot open 'zones/none': dataset does not exist\ncannot receive new filesystem stream: unable to restore to destination\n",
    );
  });

  it('detects truncation and corruption and applies nothing', async () => {
    expect((await recv(['zones/other/T'], full.subarray(0, full.length - 40))).stderr).toBe('cannot receive new filesystem stream: incomplete stream\n');
    const bad = Buffer.from(full);
    const at = bad.indexOf(Buffer.from('base'));
    bad[at] = 0x42 ^ 0xff;
    expect((await recv(['zones/other/T'], bad)).stderr).toBe('cannot receive new filesystem stream: checksum mismatch\n');
    expect((await recv(['zones/other/T'], Buffer.alloc(0))).stderr).toBe('cannot receive: failed to read from stream\n');
    expect((await recv(['zones/other/T'], Buffer.alloc(400, 'garbage!'))).stderr).toBe('cannot receive: invalid stream (bad magic number)\n');
    expect((await recv(['zones/other/T'], Buffer.from('garbage!garbage!'))).stderr).toBe('cannot receive: failed to read from stream\n');
    expect((await h.zfs('list', 'zones/other/T')).code).toBe(1);
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'all', '-r', 'zones/other')).not.toContain('zones/other/T');
  });

  it('skips snapshots it already has in an -I stream', async () => {
    await h.ok('create', 'zones/other/K');
    expect((await recv(['zones/other/K/IMG'], full)).code).toBe(0);
    const first = (await h.zfsBytes(['send', '-i', 'zones/IMG@final', 'zones/ZONE@s1'])).out;
    expect((await recv(['zones/other/K/Z'], first)).code).toBe(0);
    const rest = (await h.zfsBytes(['send', '-I', '@s1', 'zones/ZONE@s2'])).out;
    expect((await recv(['zones/other/K/Z'], rest)).code).toBe(0);
    const again = await recv(['-v', 'zones/other/K/Z'], rest);
    expect(again.code).toBe(0);
    expect(again.out.toString()).toContain('snap zones/other/K/Z@s2 already exists; ignoring\n');
    expect((await recv(['zones/other/K/Z'], inc)).stderr).toBe(
      "cannot receive new filesystem stream: destination 'zones/other/K/Z' exists\nmust specify -F to overwrite it\n",
    );
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'snapshot', 'zones/other/K/Z')).toBe('zones/other/K/Z@s1\nzones/other/K/Z@s2\n');
  });

  it('runs send | receive concurrently in the same pool', async () => {
    const [s, r] = await h.pipe(['send', '-I', 'zones/IMG@final', 'zones/ZONE@s2'], ['receive', 'zones/other/P']);
    expect(s.code).toBe(0);
    expect(r.code).toBe(0);
    expect(await guid('zones/other/P@s2')).toBe(await guid('zones/ZONE@s2'));
    expect(h.read('zones/other/P/s1')).toBe('one');
  });
});

describe('zfs receive options', () => {
  it('applies -o as local, drops -x, and changes nothing with -n', async () => {
    const stream = (await h.zfsBytes(['send', '-p', 'zones/ZONE@s2'])).out;
    expect((await recv(['-n', 'zones/other/N'], stream)).code).toBe(0);
    expect((await h.zfs('list', 'zones/other/N')).code).toBe(1);
    expect((await recv(['-o', 'quota=1G', '-x', 'com.example:tier', 'zones/other/N'], stream)).code).toBe(0);
    expect(await h.ok('get', '-H', '-p', '-o', 'value,source', 'quota,com.example:tier', 'zones/other/N')).toBe('1073741824\tlocal\n-\t-\n');
  });

  it('refuses -o/-x of a property the stream\'s dataset type does not have (zfs_setup_cmdline_props), as a non-recursive receive', async () => {
    await h.ok('create', '-V', '1m', 'zones/VOL');
    await h.ok('snapshot', 'zones/VOL@s');
    const vol = (await h.zfsBytes(['send', '-p', 'zones/VOL@s'])).out;
    for (const args of [['-o', 'mountpoint=/x'], ['-x', 'mountpoint']]) {
      const r = await recv([...args, 'zones/other/V'], vol);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe("cannot receive new filesystem stream: property 'mountpoint' does not apply to datasets of this type\n");
    }
    expect((await h.zfs('list', 'zones/other/V')).code).toBe(1);
    // User properties apply to every type.
    expect((await recv(['-o', 'com.example:x=/y', 'zones/other/V'], vol)).code).toBe(0);
    expect(await h.ok('get', '-H', '-o', 'value,source', 'com.example:x', 'zones/other/V')).toBe('/y\tlocal\n');
  });

  it('replaces a head with -F and remounts what was mounted below it', async () => {
    await h.ok('create', '-p', 'zones/other/W/child');
    h.write('zones/other/W/child/c', 'child');
    expect((await recv(['-F', 'zones/other/W'], full)).code).toBe(0);
    expect(h.read('zones/other/W/etc/release')).toBe('base');
    expect(h.read('zones/other/W/child/c')).toBe('child');
  });
});
