// An archive read as a stream (a file opened for one pass, or standard input) may be
// age-encrypted: the first bytes decide (age's magic line, layers.ts). An encrypted one is
// decrypted on the way (age-stream.ts: the identity is checked before any payload is read);
// a plain one comes back unchanged, the peeked bytes put back in front.
import type { Readable } from 'node:stream';
import { AGE_MAGIC, isAgeFile } from './age-header.js';
import { decryptAgeStream } from './age-stream.js';
import { peekStream } from './layers.js';

/**
 * The bytes inside the age layer of `source`: decrypted when it is an age file (refusing a
 * missing or wrong identity before anything else), else `source`'s own bytes.
 */
export async function plainArchiveStream(source: Readable, identities: readonly string[], label: string): Promise<{ encrypted: boolean; plain: Readable }> {
  const { head, stream } = await peekStream(source, AGE_MAGIC.length);
  if (!isAgeFile(head)) return { encrypted: false, plain: stream };
  return { encrypted: true, plain: await decryptAgeStream(stream, identities, label) };
}
