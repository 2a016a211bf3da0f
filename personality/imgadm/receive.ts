// Streams an image file, decompressed as the manifest says, into
// `zfs receive <dataset>` (imgadm's [file] | [inflator] | zfs recv pipeline).
import { createReadStream } from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import { ImgadmError, internalError } from './errors.js';

function inflator(compression: string, uuid: string): { stream?: Duplex; done?: Promise<unknown> } {
  if (compression === 'none') return {};
  if (compression === 'gzip') return { stream: createGunzip() };
  if (compression === 'bzip2' || compression === 'xz') {
    // No bzip2/xz in node: use the system tool exactly as imgadm does.
    const child = execa(compression, ['-cdfq'], { reject: false });
    return { stream: child.duplex(), done: child };
  }
  throw internalError(`image ${uuid} file compression: ${compression}`);
}

/** Receives `file` into `dataset`; throws ImgadmError with imgadm's messages. */
export async function receiveImageFile(file: string, compression: string, dataset: string, uuid: string): Promise<void> {
  const inflate = inflator(compression, uuid);
  const recv = execa('zfs', ['receive', dataset], { stdin: 'pipe', reject: false });
  const stages: Array<Readable | Duplex> = [createReadStream(file)];
  if (inflate.stream) stages.push(inflate.stream);
  const piping = pipeline([...stages, recv.stdin]).then(
    () => undefined,
    (err: unknown) => err,
  );
  const result = await recv;
  const pipeErr = await piping;
  if (result.exitCode !== 0) {
    const stderr = typeof result.stderr === 'string' ? result.stderr : '';
    if (stderr) process.stderr.write(`Stderr from zfs receive: ${stderr}\n`);
    throw internalError(`zfs receive error while importing: exit code ${result.exitCode ?? 'null'}`);
  }
  if (pipeErr) {
    throw new ImgadmError('UncompressionError', `${compression} uncompression error while importing: ${(pipeErr as Error).message}`);
  }
}
