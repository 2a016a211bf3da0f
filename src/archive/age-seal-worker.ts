// age's STREAM chunks sealed on a worker thread (age-payload.ts has the rules), so that an
// encrypted save's ChaCha20-Poly1305 runs on another core than its SHA-256 hashing and the
// tar: on the 2-core hosts zbak runs on, this keeps an encrypted save near a plain one. The
// main thread cuts the plaintext into batches of whole 64 KiB chunks, in order, and says
// which batch holds the last chunk; the worker seals each batch into one buffer.
import { Worker } from 'node:worker_threads';
import { CHUNK_SIZE } from './age-payload.js';

/** The worker, as a CommonJS script (no file to find next to the compiled module). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
const key = Buffer.from(workerData.key);
const CHUNK = ${CHUNK_SIZE};
const nonce = Buffer.alloc(12);
parentPort.on('message', ({ data, length, counter, last, spare }) => {
  const src = Buffer.from(data, 0, length);
  const n = Math.max(1, Math.ceil(length / CHUNK));
  // The sealed batch goes into a buffer the main thread handed back once it was written.
  const out = spare && spare.byteLength >= length + 16 * n ? Buffer.from(spare) : Buffer.allocUnsafeSlow(Math.max(length, ${16 * CHUNK_SIZE}) + 16 * Math.max(n, 16));
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = counter + i;
    nonce.fill(0);
    nonce.writeUIntBE(Math.floor(c / 2 ** 48), 3, 2);
    nonce.writeUIntBE(c % 2 ** 48, 5, 6);
    nonce[11] = last && i === n - 1 ? 1 : 0;
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    o += cipher.update(src.subarray(i * CHUNK, Math.min(length, (i + 1) * CHUNK))).copy(out, o);
    cipher.final();
    o += cipher.getAuthTag().copy(out, o);
  }
  // The plaintext buffer goes back too, for the next batch: no garbage per batch.
  parentPort.postMessage({ sealed: out.buffer, length: o, plain: data }, [out.buffer, data]);
});
`;

/**
 * Seals batches in order on one worker. `seal` takes a batch of whole chunks (the last batch
 * may end short, and may be empty only when it is the whole payload) and resolves with its
 * sealed bytes; results come back in the order the batches went.
 */
export class SealWorker {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (b: Buffer) => void; reject: (e: unknown) => void }> = [];
  private failure: unknown = null;
  private counter = 0;
  /** Plaintext batch buffers back from the worker, and sealed buffers already written, for reuse. */
  readonly spareBatches: ArrayBuffer[] = [];
  private readonly spareSealed: ArrayBuffer[] = [];

  constructor(payloadKey: Buffer) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { key: payloadKey } });
    this.worker.on('message', (m: { sealed: ArrayBuffer; length: number; plain: ArrayBuffer }) => {
      this.spareBatches.push(m.plain);
      this.waiting.shift()?.resolve(Buffer.from(m.sealed, 0, m.length));
    });
    const fail = (err: unknown): void => {
      this.failure ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the encryption worker exited (${code})`)));
  }

  /** `data` is handed over (transferred): the caller must not use it again. */
  seal(data: ArrayBuffer, length: number, last: boolean): Promise<Buffer> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (!last && length % CHUNK_SIZE !== 0) throw new Error('internal error: a batch that is not the last must hold whole chunks');
    const counter = this.counter;
    this.counter += Math.max(1, Math.ceil(length / CHUNK_SIZE));
    const p = new Promise<Buffer>((resolve, reject) => this.waiting.push({ resolve, reject }));
    const spare = this.spareSealed.pop();
    this.worker.postMessage({ data, length, counter, last, spare }, spare ? [data, spare] : [data]);
    return p;
  }

  /** A sealed batch's buffer once nothing refers to it any more (the inner sink wrote it). */
  giveBack(sealed: Buffer): void {
    if (sealed.byteOffset === 0) this.spareSealed.push(sealed.buffer as ArrayBuffer);
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the encryption worker was closed');
    await this.worker.terminate();
  }
}
