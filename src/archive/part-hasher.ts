// SHA-256 of archive parts on a worker thread. Hashing is most of a save's and a restore's
// CPU (about 2.5 s for a 2 GiB stream, `npm run bench` profile); on another core it runs while
// the main thread moves the bytes (`zfs send` into the part; the archive into `zfs receive`).
// The bytes are in SharedArrayBuffers (the writer's ring; restore's reads), so the worker
// reads them where they are: nothing is copied or transferred. Every message is answered in
// order: an `update` with an acknowledgement (so the caller can bound how far the hashing may
// lag behind), a `digest` with the sum of the updates since the last one.
import { Worker } from 'node:worker_threads';

/** The worker, as a CommonJS script (no file to find next to the compiled module). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { setFlagsFromString } = require('node:v8');
const { runInNewContext } = require('node:vm');
// Each message brings a new SharedArrayBuffer object: collect them every 2 MiB so their
// memory is given back as soon as both threads are done (young-garbage.ts says why).
let collect = null;
try { setFlagsFromString('--expose-gc'); collect = runInNewContext('gc'); } catch {}
let since = 0;
let hash = createHash('sha256');
parentPort.on('message', ({ buffer, offset, length }) => {
  if (buffer === undefined) {
    parentPort.postMessage(hash.digest('hex'));
    hash = createHash('sha256');
    return;
  }
  hash.update(new Uint8Array(buffer, offset, length));
  parentPort.postMessage(null);
  since += length;
  if (since >= 2 * 1024 * 1024) { since = 0; if (collect) collect({ type: 'minor' }); }
});
`;

/** A buffer of `size` bytes the hasher can read without a copy. */
export const sharedBuffer = (size: number): Buffer => Buffer.from(new SharedArrayBuffer(size));

/** `data` if the hasher can read it where it is, else a copy of it that it can. */
export function shareable(data: Buffer): Buffer {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const copy = sharedBuffer(data.length);
  data.copy(copy);
  return copy;
}

interface Answer {
  /** An update's length (acknowledged), or null for a digest. */
  bytes: number | null;
  resolve: (hex: string) => void;
  reject: (e: unknown) => void;
}

export class PartHasher {
  private readonly worker: Worker;
  private readonly answers: Answer[] = [];
  private failure: unknown = null;
  /** Bytes given to update and not yet hashed. */
  private lag = 0;
  private roomWaiters: Array<{ limit: number; resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor() {
    // A small heap: the worker only holds a hash and the message it is on.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    this.worker.unref(); // an idle hasher must not keep zbak running
    this.worker.on('message', (hex: string | null) => {
      const a = this.answers.shift();
      if (!a) return;
      if (a.bytes === null) return a.resolve(hex ?? '');
      this.lag -= a.bytes;
      this.roomWaiters = this.roomWaiters.filter((w) => (this.lag <= w.limit ? (w.resolve(), false) : true));
    });
    const fail = (err: unknown): void => {
      this.failure ??= err;
      for (const a of this.answers.splice(0)) a.reject(err);
      for (const w of this.roomWaiters.splice(0)) w.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing worker exited (${code})`)));
  }

  /** Adds `data`, a view of a sharedBuffer that must not change until it is hashed (room or digest), to the sum being made. */
  update(data: Buffer): void {
    if (!(data.buffer instanceof SharedArrayBuffer)) throw new Error('internal error: the hasher reads shared buffers only');
    if (this.failure !== null) return; // the next digest or room rejects
    this.lag += data.length;
    this.answers.push({ bytes: data.length, resolve: () => undefined, reject: () => undefined });
    this.worker.postMessage({ buffer: data.buffer, offset: data.byteOffset, length: data.length });
  }

  /** Resolves once at most `limit` bytes given to update are still to be hashed. */
  room(limit: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.lag <= limit) return Promise.resolve();
    return new Promise((resolve, reject) => this.roomWaiters.push({ limit, resolve, reject }));
  }

  /** sha256 (hex) of everything given to update since the last digest; the next sum starts empty. */
  digest(): Promise<string> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const p = new Promise<string>((resolve, reject) => this.answers.push({ bytes: null, resolve, reject }));
    this.worker.postMessage({});
    return p;
  }

  /** sha256 (hex) of `data` alone, a view of a sharedBuffer that must not change until this resolves. */
  hash(data: Buffer): Promise<string> {
    try {
      this.update(data);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.digest();
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the hashing worker was closed');
    await this.worker.terminate();
  }
}
