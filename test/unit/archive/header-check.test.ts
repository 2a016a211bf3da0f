// The header checks zod cannot express: ids, image ancestry and the GUID chain.
import { describe, expect, it } from 'vitest';
import { imageManifestEntry, type Header, type StreamSpec } from '../../../src/archive/format.js';
import { parseHeader } from '../../../src/archive/json-entry.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { IMAGE, ZONE, makeHeader } from './helpers.js';

const PARENT = 'f9f08f51-bd01-4f30-be77-7d8ba526ad2b';

const check = (h: unknown): string => {
  try {
    parseHeader(Buffer.from(JSON.stringify(h)));
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(ArchiveFormatError);
    return (err as Error).message;
  }
};

function edit(fn: (h: Header) => void): Header {
  const h = makeHeader(4, 1024);
  fn(h);
  return h;
}
const stream = (h: Header, i: number): StreamSpec => h.streams[i] as StreamSpec;

describe('header checks', () => {
  it('accepts the test header and an incremental image chain', () => {
    expect(check(makeHeader(4, 1024))).toBe('ok');
    const h = edit((h) => {
      // base image PARENT (s00), then IMAGE incremental from PARENT@final
      h.images.unshift({ uuid: PARENT, name: 'base', version: '1', type: 'zone-dataset', finalGuid: '900', streamId: 's00', manifestEntry: imageManifestEntry(PARENT) });
      h.images[1] = { ...h.images[1]!, origin: PARENT };
      const from = { dataset: PARENT, snapshot: 'final', guid: '900' };
      Object.assign(stream(h, 0), { kind: 'incremental-from-origin', from, origin: from });
      h.streams.unshift({ ...stream(h, 0), id: 's00', dataset: PARENT, imageUuid: PARENT, kind: 'full', from: undefined, origin: undefined,
        to: { snapshot: 'final', guid: '900' }, snapshots: [{ name: 'final', guid: '900' }] });
    });
    expect(check(JSON.parse(JSON.stringify(h)))).toBe('ok');
  });

  it('rejects an incremental whose base no earlier stream carries', () => {
    expect(check(edit((h) => Object.assign(stream(h, 3), { kind: 'incremental', from: { dataset: `${ZONE}/data4`, snapshot: 'old', guid: '999' } }))))
      .toBe(`zbak.json: stream s04: incremental from ${ZONE}/data4@old (GUID 999), which no earlier stream carries`);
  });

  it('accepts an incremental from a snapshot an earlier stream carries', () => {
    expect(check(edit((h) => Object.assign(stream(h, 3), { kind: 'incremental', from: { dataset: `${ZONE}/data3`, snapshot: 'zbak-1', guid: '2003' } })))).toBe('ok');
  });

  it('rejects a stream that comes before its base', () => {
    const h = edit((h) => Object.assign(stream(h, 2), { kind: 'incremental', from: { dataset: 'x', snapshot: 'zbak-1', guid: '2004' } }));
    expect(check(h)).toMatch(/^zbak\.json: stream s03: incremental from x@zbak-1 \(GUID 2004\), which no earlier stream carries$/);
  });

  it('rejects an image stream after a zone stream', () => {
    expect(check(edit((h) => h.streams.unshift(h.streams.splice(2, 1)[0]!)))).toBe('zbak.json: stream s01: image streams must come before all zone streams');
  });

  it('rejects an image with an origin that is not listed before it', () => {
    expect(check(edit((h) => (h.images[0]!.origin = PARENT)))).toBe(
      `zbak.json: image ${IMAGE}: origin image ${PARENT} is not listed before it (images are base first)`,
    );
  });

  it('rejects a base image whose stream is incremental', () => {
    const h = edit((h) => Object.assign(stream(h, 0), { kind: 'incremental', from: { dataset: 'x', snapshot: 'final', guid: '1' } }));
    expect(check(h)).toBe(`zbak.json: image ${IMAGE} has no origin, so its stream s01 must be a full stream (it is incremental)`);
  });

  it('rejects an image whose stream does not end at its finalGuid', () => {
    expect(check(edit((h) => (h.images[0]!.finalGuid = '5')))).toBe(`zbak.json: image ${IMAGE}: stream s01 ends at GUID 1001, not at the image's finalGuid 5`);
  });

  it('rejects a wrong manifestEntry, a missing image stream and an imageUuid on a zone stream', () => {
    expect(check(edit((h) => (h.images[0]!.manifestEntry = '../../etc/passwd')))).toMatch(/manifestEntry is "..\/..\/etc\/passwd", expected "images\//);
    expect(check(edit((h) => (h.images[0]!.streamId = 's09')))).toBe(`zbak.json: image ${IMAGE}: its stream s09 is not in "streams"`);
    expect(check(edit((h) => (stream(h, 2).imageUuid = IMAGE)))).toBe('zbak.json: stream s03: imageUuid is only allowed on image streams');
  });

  it('rejects duplicate stream ids and a snapshot carried twice', () => {
    expect(check(edit((h) => (stream(h, 3).id = 's03')))).toBe('zbak.json: stream id s03 is used twice');
    expect(check(edit((h) => Object.assign(stream(h, 3), { to: { snapshot: 'zbak-1', guid: '2003' }, snapshots: [{ name: 'zbak-1', guid: '2003' }] }))))
      .toBe('zbak.json: stream s04: snapshot @zbak-1 (GUID 2003) is carried twice');
  });

  it('rejects an origin that is not the from snapshot, and an absurd part size', () => {
    expect(check(edit((h) => (stream(h, 1).origin = { dataset: IMAGE, snapshot: 'other', guid: '77' }))))
      .toBe(`zbak.json: stream s02: origin ${IMAGE}@other (GUID 77) is not the stream's "from" snapshot`);
    expect(check(edit((h) => (h.partSize = 2 ** 31)))).toBe('zbak.json: partSize 2147483648 bytes is out of range (1024 to 1073741824: 1K to 1G)');
    expect(check(edit((h) => (h.partSize = 512)))).toMatch(/^zbak\.json: partSize 512 bytes is out of range/);
    expect(check(edit((h) => (h.partSize = 2 ** 30)))).toBe('ok');
  });

  it("rejects a stream into a dataset that is not the zone's", () => {
    const other = '745789f9-338d-4821-89a2-fc80c20289b8';
    expect(check(edit((h) => (stream(h, 2).dataset = `${other}/data`)))).toBe(
      `zbak.json: stream s03: dataset ${other}/data (role dataset) is not one of zone ${ZONE}'s (<uuid>, <uuid>/…, <uuid>-disk<N>, cores/<uuid>, each in its role)`,
    );
    // Found by an attacker: <uuid>-old passed as "<uuid>-*" and an existing foreign dataset was overwritten.
    expect(check(edit((h) => ((stream(h, 2).dataset = `${ZONE}-old`), (stream(h, 2).role = 'disk'))))).toMatch(/dataset .*-old \(role disk\) is not one of zone/);
    expect(check(edit((h) => (stream(h, 2).dataset = `${ZONE}-disk0`)))).toMatch(/\(role dataset\) is not one of zone/);
    expect(check(edit((h) => (stream(h, 2).dataset = `${ZONE}/../${other}`)))).toMatch(/dataset .* is not one of zone/);
    expect(check(edit((h) => (stream(h, 2).dataset = 'cores')))).toMatch(/dataset cores \(role dataset\) is not one of zone/);
    expect(check(edit((h) => ((stream(h, 2).dataset = `${ZONE}-disk0`), (stream(h, 2).role = 'disk'))))).toBe('ok');
    expect(check(edit((h) => ((stream(h, 2).dataset = `cores/${ZONE}`), (stream(h, 2).role = 'cores'))))).toBe('ok');
  });

  it('rejects a wrong format name and an unknown version before the schema', () => {
    expect(check({ format: 'tar' })).toBe('zbak.json: not a zbak archive (format is "tar")');
    expect(check({ format: 'zbak', formatVersion: 3 })).toBe('archive format version 3 is not supported by this zbak (supports 1 and 2)');
    expect(check([1])).toBe('zbak.json: not a JSON object');
  });
});

describe('header checks: an incremental archive (base)', () => {
  /** Night 2: no images, the zoneroot -I from night 1's snapshot. */
  const incremental = (fn: (h: Header) => void = () => undefined): Header =>
    edit((h) => {
      h.base = { archive: 'web-night1.zbak', createdAt: '2025-02-28T12:00:00.000Z', snapshotName: 'zbak-0' };
      h.images = [];
      h.streams = [
        { ...stream(h, 1), id: 's01', kind: 'incremental', from: { dataset: ZONE, snapshot: 'zbak-0', guid: '1900' }, origin: undefined },
      ];
      fn(h);
    });
  it('accepts streams that start at the base\'s snapshot of their own dataset', () => {
    expect(check(JSON.parse(JSON.stringify(incremental())))).toBe('ok');
  });
  it.each([
    ['from another snapshot', (h: Header) => void (stream(h, 0).from!.snapshot = 'zbak-x'), 'zbak.json: stream s01: incremental from ' + ZONE + '@zbak-x (GUID 1900), which no earlier stream carries'],
    ['with images', (h: Header) => void h.images.push({ uuid: IMAGE, name: 'i', version: '1', type: 'zone-dataset', finalGuid: '1', streamId: 's09', manifestEntry: imageManifestEntry(IMAGE) }), 'zbak.json: image'],
    ['a base name that is a path', (h: Header) => void (h.base!.archive = '../etc/x.zbak'), 'zbak.json'],
  ])('refuses %s', (_w, fn, message) => {
    expect(check(JSON.parse(JSON.stringify(incremental(fn))))).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
