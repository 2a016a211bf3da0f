// SHA-256 of archive parts on a worker thread. Hashing is most of a save's CPU (about 1.9 s
// of 2.9 s on the main thread for a 2 GiB stream, `npm run bench` profile); on another core
// it runs while the main thread reads `zfs send` into the next part. The parts are in
// SharedArrayBuffers (the writer's ring), so the worker reads them where they are: nothing
// is copied or transferred. Hashes come back in the order asked.
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

export class PartHasher {
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
