// SHA-256 of archive parts on a worker thread. Hashing is most of a save's CPU (about 1.9 s
// of 2.9 s on the main thread for a 2 GiB stream, `npm run bench` profile); on another core
// it runs while the main thread reads `zfs send` into the next part. The parts are in
// SharedArrayBuffers (the writer's ring), so the worker reads them where they are: nothing
// is copied or transferred. Hashes come back in the order asked.
// With one CPU to run on, a thread cannot hash beside the reader: it would only add its start (a
// whole node environment, about 27 ms of CPU here and most of a second under the lab's TCG) and
// a message per part, so the parts are hashed on the main thread (InlineHasher).
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The worker, as a CommonJS script (no file to find next to the compiled module). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ buffer, offset, length }) => {
  parentPort.postMessage(createHash('sha256').update(new Uint8Array(buffer, offset, length)).digest('hex'));
});
`;

/** A buffer of `size` bytes the hasher can read without a copy. */
export const sharedBuffer = (size: number): Buffer => Buffer.from(new SharedArrayBuffer(size));

/** What the writer needs of a hasher. */
export interface Hasher {
  /** sha256 (hex) of `data`, a view of a sharedBuffer that must not change until this resolves. */
  hash(data: Buffer): Promise<string>;
  close(): Promise<void>;
}

/**
 * The hasher for this process: a worker thread when it may run on more than one CPU
 * (availableParallelism counts the CPUs this process may use, e.g. under taskset), else inline.
 */
export function partHasher(cpus: number = availableParallelism()): Hasher {
  return cpus > 1 ? new PartHasher() : new InlineHasher();
}

/** Hashes on the calling thread, after the caller's current step (so a write it starts goes first). */
export class InlineHasher implements Hasher {
  private closed = false;

  hash(data: Buffer): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the hasher was closed'));
    return Promise.resolve().then(() => createHash('sha256').update(data).digest('hex'));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export class PartHasher implements Hasher {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (hex: string) => void; reject: (e: unknown) => void }> = [];
  private failure: unknown = null;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref(); // an idle hasher must not keep zbak running
    this.worker.on('message', (hex: string) => this.waiting.shift()?.resolve(hex));
    const fail = (err: unknown): void => {
      this.failure ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing worker exited (${code})`)));
  }

  /** sha256 (hex) of `data`, a view of a sharedBuffer that must not change until this resolves. */
  hash(data: Buffer): Promise<string> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (!(data.buffer instanceof SharedArrayBuffer)) return Promise.reject(new Error('internal error: the hasher reads shared buffers only'));
    const p = new Promise<string>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.worker.postMessage({ buffer: data.buffer, offset: data.byteOffset, length: data.length });
    return p;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the hashing worker was closed');
    await this.worker.terminate();
  }
}
