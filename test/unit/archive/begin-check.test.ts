// Verify compares each stream's ZFS BEGIN record with its header entry and walks its records
// to the final END. The archives here are rewritten and then written by the real writer, so
// every checksum is consistent: only the BEGIN check or the walk can catch them.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import { readStreams, verifyArchive } from '../../../src/archive/reader.js';
import { openSequentialArchive } from '../../../src/archive/sequential-reader.js';
import { checkStructure } from '../../../src/archive/structure-check.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { sendHead, makeHeader, streamData, writeArchive } from './helpers.js';
import type { StreamSpec } from '../../../src/archive/format.js';

const PART = 4096;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

/** Offset of the substream BEGIN in makeHeader's stream `index` (after any compound header). */
const beginAt = (index: number): number => sendHead(makeHeader(index + 1, PART).streams[index] as StreamSpec).length - 312;
const datas = (): Buffer[] => [streamData(0, 2000), streamData(1, 3 * PART), streamData(2, 5000)];

let archives = 0;
async function verifyMessage(streams: Buffer[], partSize = PART): Promise<string> {
  const path = join(tmp.path, `a${++archives}.zbak`);
  await writeArchive(path, streams, partSize);
  const err = await verifyArchive(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveFormatError);
  expect((err as Error).message).not.toContain('\n');
  return (err as Error).message;
}

describe('BEGIN records against the header', () => {
  it('a consistent archive verifies (the helpers write what zfs send writes)', async () => {
    const path = join(tmp.path, 'ok.zbak');
    await writeArchive(path, datas(), PART);
    await expect(verifyArchive(path)).resolves.toBeDefined();
  });

  it('a zoneroot whose BEGIN fromguid names another snapshot is refused, checksums notwithstanding', async () => {
    const d = datas();
    d[1]!.writeBigUInt64LE(2003n, beginAt(1) + 48);
    expect(await verifyMessage(d)).toBe("streams/s02/000000: BEGIN record fromguid 2003 differs from the header's from GUID 1001");
  });

  it('a full stream turned incremental is refused', async () => {
    const d = datas();
    d[2]!.writeBigUInt64LE(1001n, beginAt(2) + 48);
    expect(await verifyMessage(d)).toBe("streams/s03/000000: BEGIN record fromguid 1001 differs from the header's from GUID 0 (a full stream)");
  });

  it('toguid, dataset type and snapshot name are compared too', async () => {
    let d = datas();
    d[0]!.writeBigUInt64LE(77n, beginAt(0) + 40);
    expect(await verifyMessage(d)).toBe("streams/s01/000000: BEGIN record toguid 77 differs from the header's first snapshot GUID 1001");
    d = datas();
    d[1]!.writeUInt32LE(3, beginAt(1) + 32);
    expect(await verifyMessage(d)).toBe("streams/s02/000000: BEGIN record is a volume stream but the header's zoneroot stream is a filesystem");
    d = datas();
    d[2]!.write('zones/x@other\0', beginAt(2) + 56, 'latin1');
    expect(await verifyMessage(d)).toBe('streams/s03/000000: BEGIN record snapshot "other" differs from the header\'s first snapshot "zbak-1"');
  });

  it('a BEGIN after a compound header is named by the part it ends in', async () => {
    const d = datas();
    d[1]!.writeBigUInt64LE(2003n, beginAt(1) + 48);
    // s02's BEGIN ends at byte 1016 (parts are at least 1 KiB since the part-size range was unified).
    expect(await verifyMessage(d, 1024)).toBe("streams/s02/000000: BEGIN record fromguid 2003 differs from the header's from GUID 1001");
  });

  it('a stream that is not a send stream, ends before its BEGIN or is cut short, is refused', async () => {
    let d = datas();
    d[2] = Buffer.alloc(5000, 'garbage!');
    expect(await verifyMessage(d)).toBe(
      'streams/s03/000000: not a ZFS send stream: the first record has magic bytes 6761726261676521, not DMU_BACKUP_MAGIC 0x2f5bacbac',
    );
    d = datas();
    d[1] = d[1]!.subarray(0, 700);
    expect(await verifyMessage(d)).toBe('streams/s02/000000: stream ends after 700 bytes, inside the first substream BEGIN record');
    d = datas();
    d[2] = Buffer.alloc(0);
    expect(await verifyMessage(d)).toBe('streams/s03/000000: stream ends after 0 bytes, inside its first BEGIN record');
    d = datas();
    d[2] = d[2]!.subarray(0, 4000);
    expect(await verifyMessage(d)).toMatch(/^streams\/s03\/000000: stream ends after 4000 bytes, inside the payload of the record at byte \d+: it is cut short$/);
  });

  it('damage is reported as a checksum mismatch, not as a BEGIN difference', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas(), PART);
    const bytes = await readFile(path);
    const at = bytes.indexOf(Buffer.from('zones/8aa8dff0'));
    bytes[at + 2]! ^= 0x20;
    await writeFile(path, bytes);
    const err = await verifyArchive(path).then(() => null, (e: unknown) => e);
    expect((err as Error).message).toMatch(/^streams\/s02\/000000: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/);
  });

  it('a part written twice, as the splitter of stop 20 could, is refused by verify, by the data pass and through a pipe', async () => {
    const whole = streamData(1, 6 * PART);
    const last = Buffer.concat([whole, whole.subarray(5 * PART)]); // the last part again
    const middle = Buffer.concat([whole.subarray(0, 3 * PART), whole.subarray(2 * PART)]); // part 2 again
    expect(await verifyMessage([datas()[0]!, last, datas()[2]!])).toMatch(
      /^streams\/s02\/000006: stream goes on after its final END record \(at byte \d+\); zfs receive stops there$/,
    );
    expect(await verifyMessage([datas()[0]!, middle, datas()[2]!])).toMatch(/^streams\/s02\/00000[2-6]: (record at byte|stream ends after)/);
    const path = join(tmp.path, 'twice.zbak');
    await writeArchive(path, [datas()[0]!, middle, datas()[2]!], PART);
    // The restore paths check the part sums and then the walk, before their commit.
    const checked = await checkStructure(path);
    const received: string[] = [];
    const data = readStreams(path, checked, async (spec, input) => {
      for await (const _ of input) received.push(spec.id);
    });
    await expect(data).rejects.toThrow(/^streams\/s02\/00000[2-6]: /);
    const piped = await openSequentialArchive(createReadStream(path), 'stdin');
    await expect(piped.readStreams(async (_spec, input) => {
      for await (const _ of input);
    })).rejects.toThrow(/^streams\/s02\/00000[2-6]: /);
    // A part twice at the end: zfs receive gets the stream up to its END and not a byte after.
    const tail = join(tmp.path, 'twice-at-end.zbak');
    await writeArchive(tail, [datas()[0]!, last, datas()[2]!], PART);
    let fed = 0;
    const fedUpToEnd = readStreams(tail, await checkStructure(tail), async (spec, input) => {
      for await (const c of input) if (spec.id === 's02') fed += (c as Buffer).length;
    });
    await expect(fedUpToEnd).rejects.toThrow(/^streams\/s02\/000006: stream goes on after its final END record/);
    expect(fed).toBeLessThanOrEqual(whole.length);
  });
});

