// Signed archives (signature.ts): the writer's signature entries, checked by the full verify,
// the structure pass and the data pass; --trust refuses unsigned archives, other keys and
// any change, and `openssl pkeyutl -verify -rawin` checks the signatures by hand.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStreams, verifyArchive } from '../../../src/archive/reader.js';
import { checkStructure } from '../../../src/archive/structure-check.js';
import { readArchiveIdentity } from '../../../src/archive/archive-identity.js';
import { ArchiveSigner, keyFingerprint } from '../../../src/archive/signature.js';
import { rawTar } from '../../../scripts/make-hostile-archives.js';
import { streamData, writeArchive, entriesOf } from './helpers.js';

const PART = 4096;
const datas = [streamData(0, 3 * PART + 5), streamData(1, 2 * PART + 100)];
const keyA = generateKeyPairSync('ed25519');
const keyB = generateKeyPairSync('ed25519');

let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

async function signed(): Promise<string> {
  const path = join(tmp.path, 'signed.zbak');
  await writeArchive(path, datas, PART, 1000, new ArchiveSigner(keyA.privateKey));
  return path;
}

/** Every reader's verdict with the given trusted keys: 'ok' or the error code. */
async function verdicts(path: string, trusted: KeyObject[]): Promise<string[]> {
  const code = (e: unknown): string => (e as { code?: string }).code ?? String(e);
  const full = await verifyArchive(path, { trusted }).then(() => 'ok', code);
  const structure = await checkStructure(path, trusted).then(async (c) => {
    await readStreams(path, c, async (_s, data) => { for await (const _ of data) void _; });
    return 'ok';
  }, code);
  return [full, structure];
}

describe('signed archives', () => {
  it('writes the signature entries in place, and every reader accepts them', async () => {
    const path = await signed();
    const names = (await entriesOf(path)).map((e) => e.name);
    expect(names.slice(0, 6)).toEqual(['zbak.json', 'vmadm.json', names[2], 'sig/signer.pub', 'sig/front.txt', 'sig/front.sig']);
    expect(names.slice(-2)).toEqual(['zbak-trailer.json', 'sig/trailer.sig']);
    expect(await verdicts(path, [keyA.publicKey])).toEqual(['ok', 'ok']);
    expect(await verdicts(path, [])).toEqual(['ok', 'ok']);
    const v = await verifyArchive(path, { trusted: [keyB.publicKey, keyA.publicKey] });
    expect(v.signature).toEqual({ signed: true, fingerprint: keyFingerprint(keyA.publicKey), trusted: true });
    expect((await verifyArchive(path)).signature).toMatchObject({ signed: true, trusted: false });
    // The medium scan finds the trailer before the trailer's signature.
    expect(await readArchiveIdentity(path)).toMatchObject({ kind: 'archive' });
  });

  it('another key, and an unsigned archive, are refused with --trust (exit 15) and read without it', async () => {
    const path = await signed();
    expect(await verdicts(path, [keyB.publicKey])).toEqual(['untrusted', 'untrusted']);
    const plain = join(tmp.path, 'plain.zbak');
    await writeArchive(plain, datas, PART);
    expect(await verdicts(plain, [keyA.publicKey])).toEqual(['untrusted', 'untrusted']);
    expect(await verdicts(plain, [])).toEqual(['ok', 'ok']);
    expect((await verifyArchive(plain)).signature).toEqual({ signed: false });
  });

  it('a flipped byte in a front entry, the trailer or a signature is refused, with or without --trust', async () => {
    const path = await signed();
    const bytes = await readFile(path);
    const flip = async (where: (b: Buffer) => number): Promise<string> => {
      const out = Buffer.from(bytes);
      out[where(out)]! ^= 1;
      const p = join(tmp.path, `flip-${Math.random()}.zbak`);
      await writeFile(p, out);
      return p;
    };
    const at = (s: string, skip = 0) => (b: Buffer) => b.indexOf(s) + skip;
    for (const trusted of [[keyA.publicKey], []]) {
      // vmadm.json's data: the front list's hash no longer matches (archive-invalid or untrusted, never ok).
      for (const p of [await flip(at('"alias":"web"', 3)), await flip(at('"partSize"', 2))]) {
        for (const v of await verdicts(p, trusted)) expect(['archive-invalid', 'untrusted']).toContain(v);
      }
      // The trailer's text (a digit of a size), and the signature bytes themselves.
      const trailerAt = bytes.lastIndexOf('"size": ') + 8;
      expect(await verdicts(await flip(() => trailerAt), trusted)).not.toContain('ok');
      const sigAt = bytes.lastIndexOf('sig/trailer.sig') + 512 + 10;
      expect(await verdicts(await flip(() => sigAt), trusted)).toEqual(['untrusted', 'untrusted']);
      const frontSigAt = bytes.indexOf('sig/front.sig') + 512 + 10;
      expect(await verdicts(await flip(() => frontSigAt), trusted)).toEqual(['untrusted', 'untrusted']);
    }
  });

  it('stripped signature entries: the trailer signature alone, or all of them', async () => {
    const path = await signed();
    const entries = await entriesOf(path);
    const noTrailerSig = join(tmp.path, 'no-trailer-sig.zbak');
    await writeFile(noTrailerSig, rawTar(entries.filter((e) => e.name !== 'sig/trailer.sig')));
    expect(await verdicts(noTrailerSig, [])).toEqual(['untrusted', 'untrusted']);
    const noSig = join(tmp.path, 'no-sig.zbak');
    await writeFile(noSig, rawTar(entries.filter((e) => !e.name.startsWith('sig/'))));
    expect(await verdicts(noSig, [keyA.publicKey])).toEqual(['untrusted', 'untrusted']);
    expect(await verdicts(noSig, [])).toEqual(['ok', 'ok']); // without --trust a stripped archive is an unsigned one
    const frontOnly = join(tmp.path, 'front-only.zbak');
    await writeFile(frontOnly, rawTar(entries.filter((e) => e.name !== 'sig/front.sig')));
    for (const v of await verdicts(frontOnly, [])) expect(v).not.toBe('ok');
  });

  it('openssl checks both signatures by hand, and sha256sum -c the front list', async () => {
    const path = await signed();
    const d = join(tmp.path, 'x');
    execFileSync('mkdir', [d]);
    execFileSync('tar', ['-xf', path, '-C', d]);
    await writeFile(join(d, 'key.pub'), keyA.publicKey.export({ type: 'spki', format: 'pem' }));
    const check = (msg: string, sig: string): string =>
      execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'key.pub', '-rawin', '-in', msg, '-sigfile', sig], { cwd: d }).toString();
    expect(check('sig/front.txt', 'sig/front.sig')).toMatch(/Signature Verified Successfully/);
    expect(check('zbak-trailer.json', 'sig/trailer.sig')).toMatch(/Signature Verified Successfully/);
    expect(execFileSync('sha256sum', ['-c', 'sig/front.txt'], { cwd: d }).toString()).toMatch(/sig\/signer.pub: OK/);
    const fp = execFileSync('sh', ['-c', 'openssl pkey -pubin -in key.pub -outform DER | openssl dgst -sha256 -binary | base64'], { cwd: d });
    expect(`SHA256:${fp.toString().trim().replace(/=+$/, '')}`).toBe(keyFingerprint(keyA.publicKey));
  });
});
