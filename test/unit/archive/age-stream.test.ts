// age v1 interop: the age-encryption package decrypts what zbak encrypts and zbak decrypts
// what the package encrypts, at sizes around the 64 KiB chunk; and the real `age` CLI both
// ways. Damage, truncation and trailing data are refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptAgeStream, encryptAgeStream } from '../../../src/archive/age-stream.js';
import { CHUNK_SIZE } from '../../../src/archive/age-payload.js';
import { isAgeFile } from '../../../src/archive/age-header.js';

let identity = '';
let recipient = '';
beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});

/** Feeds `data` in pieces of the given sizes (cycled), to exercise every chunk boundary. */
async function* pieces(data: Buffer, sizes: number[] = [CHUNK_SIZE + 7]): AsyncGenerator<Buffer> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    yield data.subarray(off, off + n);
    off += n;
  }
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of src) out.push(Buffer.from(b));
  return Buffer.concat(out);
}

async function zbakEncrypt(plain: Buffer, sizes?: number[]): Promise<Buffer> {
  return collect(encryptAgeStream(pieces(plain, sizes), [recipient]));
}

async function zbakDecrypt(file: Buffer, sizes?: number[], ids = [identity]): Promise<Buffer> {
  return collect(await decryptAgeStream(pieces(file, sizes), ids, 'test.zbak'));
}

async function libEncrypt(plain: Buffer): Promise<Buffer> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return Buffer.from(await e.encrypt(plain));
}

async function libDecrypt(file: Buffer): Promise<Buffer> {
  const d = new Decrypter();
  d.addIdentity(identity);
  return Buffer.from(await d.decrypt(file));
}

const SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5];

describe('age payload interop with the age-encryption package', () => {
  it.each(SIZES)('%i bytes: the package decrypts zbak output, zbak decrypts the package output', async (n) => {
    const plain = randomBytes(n);
    const ours = await zbakEncrypt(plain, [1000, CHUNK_SIZE, 3]);
    expect(isAgeFile(ours)).toBe(true);
    expect((await libDecrypt(ours)).equals(plain)).toBe(true);
    const theirs = await libEncrypt(plain);
    expect((await zbakDecrypt(theirs, [17, CHUNK_SIZE + 16, 100_000])).equals(plain)).toBe(true);
    // Same size as the package's: the same chunking (a full last chunk, an empty one only for 0 bytes).
    expect(ours.length).toBe(theirs.length);
  });

  it('random sizes and piece boundaries round-trip both ways', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 * CHUNK_SIZE + 40 }),
        fc.array(fc.integer({ min: 1, max: 3 * CHUNK_SIZE }), { minLength: 1, maxLength: 5 }),
        async (n, sizes) => {
          const plain = randomBytes(n);
          expect((await libDecrypt(await zbakEncrypt(plain, sizes))).equals(plain)).toBe(true);
          expect((await zbakDecrypt(await libEncrypt(plain), sizes)).equals(plain)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('refusals', () => {
  const plain = randomBytes(3 * CHUNK_SIZE + 100);
  let file: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  beforeAll(async () => {
    file = await zbakEncrypt(plain);
  });
  const headerEnd = (): number => file.indexOf('\n---') + 1 + file.subarray(file.indexOf('\n---') + 1).indexOf('\n') + 1;

  it('no identity, and another identity: IdentityError (exit 14) before any payload', async () => {
    await expect(zbakDecrypt(file, undefined, [])).rejects.toMatchObject({ code: 'identity' });
    const other = await generateX25519Identity();
    await expect(zbakDecrypt(file, undefined, [other])).rejects.toMatchObject({ code: 'identity', message: /encrypted to other keys/ });
  });

  it('a flipped payload byte, a flipped header byte, truncation, trailing data', async () => {
    const flipped = Buffer.from(file);
    flipped[headerEnd() + 16 + CHUNK_SIZE + 40]! ^= 1;
    await expect(zbakDecrypt(flipped)).rejects.toMatchObject({ code: 'archive-invalid', message: /chunk 1 .*does not authenticate/ });
    const header = Buffer.from(file);
    header[headerEnd() - 5]! ^= 1; // inside the MAC
    await expect(zbakDecrypt(header)).rejects.toMatchObject({ code: 'archive-invalid' });
    // Cut at a chunk boundary: every chunk authenticates as not-last, but there is no last one.
    const atBoundary = file.subarray(0, headerEnd() + 16 + 2 * (CHUNK_SIZE + 16));
    await expect(zbakDecrypt(atBoundary)).rejects.toMatchObject({ code: 'archive-invalid', message: /last chunk/ });
    await expect(zbakDecrypt(file.subarray(0, file.length - 1))).rejects.toMatchObject({ code: 'archive-invalid' });
    await expect(zbakDecrypt(file.subarray(0, headerEnd() + 7))).rejects.toMatchObject({ code: 'archive-invalid', message: /nonce/ });
    await expect(zbakDecrypt(Buffer.concat([file, Buffer.from('x')]))).rejects.toMatchObject({ code: 'archive-invalid' });
  });

  it('a full last chunk followed by more data is refused (it was sealed as last)', async () => {
    const exact = await zbakEncrypt(randomBytes(2 * CHUNK_SIZE));
    await expect(zbakDecrypt(Buffer.concat([exact, randomBytes(CHUNK_SIZE + 16)]))).rejects.toMatchObject({
      message: /chunk 1 .*last chunk followed by more data/,
    });
  });

  it('not an age file', async () => {
    await expect(zbakDecrypt(Buffer.from('zbak.json\0\0\0'.padEnd(600, '\0')))).rejects.toMatchObject({ code: 'archive-invalid', message: /not an age/ });
  });
});

describe('the age command-line tool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zbak-age-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('age -d decrypts zbak output; zbak decrypts age -r output (byte-identical)', async () => {
    writeFileSync(join(dir, 'key.txt'), `# test\n${identity}\n`, { mode: 0o600 });
    const plain = randomBytes(5 * CHUNK_SIZE + 321);
    writeFileSync(join(dir, 'ours.age'), await zbakEncrypt(plain));
    const out = execFileSync('age', ['-d', '-i', join(dir, 'key.txt'), join(dir, 'ours.age')], { maxBuffer: 1 << 24 });
    expect(out.equals(plain)).toBe(true);
    writeFileSync(join(dir, 'plain'), plain);
    execFileSync('age', ['-r', recipient, '-o', join(dir, 'theirs.age'), join(dir, 'plain')]);
    expect((await zbakDecrypt(readFileSync(join(dir, 'theirs.age')))).equals(plain)).toBe(true);
    // Exactly one chunk, from the CLI too.
    writeFileSync(join(dir, 'plain64'), plain.subarray(0, CHUNK_SIZE));
    execFileSync('age', ['-r', recipient, '-o', join(dir, 'theirs64.age'), join(dir, 'plain64')]);
    expect((await zbakDecrypt(readFileSync(join(dir, 'theirs64.age')))).equals(plain.subarray(0, CHUNK_SIZE))).toBe(true);
  });
});

