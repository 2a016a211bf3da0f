// An archive read as a stream (a file opened for one pass, or standard input) may be
// age-encrypted: the first bytes decide (age's magic line). An encrypted one is decrypted
// on the way (age-stream.ts: the identity is checked before any payload is read); a plain
// one comes back unchanged, the peeked bytes put back in front.
import { openArchive } from './tar-scan.js';
import { Readable } from 'node:stream';
import { AGE_MAGIC, isAgeFile } from './age-header.js';
import { decryptAgeStream } from './age-stream.js';

/**
 * Whether the file at `path` starts with age's magic line (an encrypted archive). openArchive
 * refuses a FIFO, device or directory at once: a plain open of a FIFO blocks until a writer
 * appears (`zbak verify` of one hung).
 */
export async function isEncryptedFile(path: string): Promise<boolean> {
  const fh = await openArchive(path);
  try {
    const buf = Buffer.alloc(AGE_MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && isAgeFile(buf);
  } finally {
    await fh.close();
  }
}

/**
 * The plain tar bytes of `source`: decrypted when it is an age file (refusing a missing or
 * wrong identity before anything else), else `source`'s own bytes.
 */
export async function plainArchiveStream(source: Readable, identities: readonly string[], label: string): Promise<{ encrypted: boolean; plain: Readable }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < AGE_MAGIC.length) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    have += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (!isAgeFile(first)) return { encrypted: false, plain: Readable.from(rest(), { objectMode: false }) };
  return { encrypted: true, plain: await decryptAgeStream(rest(), identities, label) };
}
