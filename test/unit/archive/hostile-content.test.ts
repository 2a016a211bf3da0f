// Archives whose checksums are all right but whose content was written to harm:
// verify refuses them (ArchiveFormatError, exit 12) naming the entry and the field.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { fixtureHeader, rawTar, validEntries } from '../../../scripts/make-hostile-archives.js';
import { editJson, IMAGE, rewriteArchive, streamData, writeArchive } from './helpers.js';

const ZONE = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
let tmp: DirectoryResult;
beforeEach(async () => void (tmp = await dir({ unsafeCleanup: true })));
afterEach(async () => tmp.cleanup());

async function verifyError(entries: ReturnType<typeof validEntries>): Promise<string> {
  const p = join(tmp.path, 'a.zbak');
  await writeFile(p, rawTar(entries));
  const err = await verifyArchive(p).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveFormatError);
  expect((err as Error).message).not.toContain('\n');
  return (err as Error).message;
}

const header = (zone: Record<string, unknown> = {}, source: Record<string, unknown> = {}): Record<string, unknown> => {
  const h = fixtureHeader();
  return { ...h, zone: { ...(h.zone as object), ...zone }, source: { ...(h.source as object), ...source } };
};

describe('header text grammars (zbak.json)', () => {
  it('the valid fixture still verifies', async () => {
    const p = join(tmp.path, 'ok.zbak');
    await writeFile(p, rawTar(validEntries()));
    expect((await verifyArchive(p)).vm).toEqual({ uuid: ZONE, alias: 'web', brand: 'joyent' });
  });

  it('refuses a createTimestamp carrying zonecfg subcommands', async () => {
    const evil = '2020-01-01T00:00:00Z; end; select attr name=alias; set value=x';
    expect(await verifyError(validEntries(header({ createTimestamp: evil })))).toMatch(
      /^zbak\.json: invalid header: zone\.createTimestamp: not an ISO-8601 UTC time/,
    );
    expect(await verifyError(validEntries(header({ createTimestamp: '2020-01-01 00:00:00' })))).toMatch(/zone\.createTimestamp/);
  });

  it('refuses a pool that is a path, an unknown brand, a state that is not a word', async () => {
    expect(await verifyError(validEntries(header({}, { pool: 'zones/../../etc' })))).toMatch(/source\.pool: not a pool name/);
    expect(await verifyError(validEntries(header({ brand: 'sngl' })))).toMatch(/zone\.brand: Invalid enum value/);
    expect(await verifyError(validEntries(header({ state: 'running; rm' })))).toMatch(/zone\.state: not a simple word/);
  });

  it('refuses escape sequences in the alias and the source hostname', async () => {
    expect(await verifyError(validEntries(header({ alias: 'web\u001b[2J' })))).toBe(
      'zbak.json: invalid header: zone.alias: contains control characters',
    );
    expect(await verifyError(validEntries(header({}, { hostname: 'cn\u009b31m' })))).toMatch(/source\.hostname: contains control characters/);
  });
});

describe('vmadm.json at verify', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['null', 'null', /^vmadm\.json: not a JSON object \(it is null\)/],
    ['an array', '[]', /^vmadm\.json: not a JSON object \(it is an array\)/],
    ['a string', '"zone"', /^vmadm\.json: not a JSON object \(it is a string\)/],
    ['another uuid', `{"uuid":"00000000-0000-4000-8000-000000000000","brand":"joyent"}`, /^vmadm\.json: uuid 00000000-0000-4000-8000-000000000000 differs from the header's zone uuid 8aa8dff0/],
    ['another brand', `{"uuid":"${ZONE}","brand":"lx"}`, /^vmadm\.json: brand lx differs from the header's zone brand joyent$/],
    ['an alias with ESC[', `{"uuid":"${ZONE}","brand":"joyent","alias":"w\\u001b[1;31m"}`, /^vmadm\.json: alias: contains control characters$/],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses ${what}`, async () => {
      expect(await verifyError(validEntries(fixtureHeader(), undefined, text))).toMatch(message);
    });
  }
});

describe('image manifests at verify', () => {
  it('refuses a manifest whose uuid differs from its image, checksums recomputed', async () => {
    const good = join(tmp.path, 'good.zbak');
    await writeArchive(good, [streamData(0, 2000), streamData(1, 2000)], 4096);
    expect((await verifyArchive(good)).imageRecords.get(IMAGE)?.manifest.uuid).toBe(IMAGE);
    const bad = join(tmp.path, 'bad.zbak');
    const other = '00000000-0000-4000-8000-00000000beef';
    await rewriteArchive(good, bad, editJson(`images/${IMAGE}.json`, (r) => void (r.manifest.uuid = other)));
    const err = await verifyArchive(bad).then(() => null, (e: unknown) => e as ArchiveFormatError);
    expect(err).toBeInstanceOf(ArchiveFormatError);
    expect(err?.entry).toBe(`images/${IMAGE}.json`);
    expect(err?.message).toBe(`images/${IMAGE}.json: manifest.uuid ${other} differs from the image uuid ${IMAGE} in the entry name and the header`);
  });
});
