// Turns the archive reader's push (readStreams, restore's one data pass, or a sequential
// archive's readStreams from a pipe; both call a handler per stream in header order) into
// the pull the executor needs: take(id) when a step wants a stream. The reader waits for
// each stream to be consumed before the next; done() resolves once it has checked the end
// of the archive.
import type { Readable } from 'node:stream';
import { readStreams, type CheckedArchive } from '../archive/reader.js';
import type { StreamSpec } from '../archive/format.js';
import { ZbakError } from '../errors.js';
import type { StreamSource } from './execute.js';

interface Offered {
  id: string;
  data: Readable;
  consumed: () => void;
}

export class StreamFeed implements StreamSource {
  private offered: Offered | null = null;
  private wakeTaker: (() => void) | null = null;
  private failure: unknown = undefined;
  private finished = false;
  private closed = false;
  private readonly reading: Promise<void>;

  /** A file's data pass. */
  static ofFile(file: string, verified: CheckedArchive): StreamFeed {
    return new StreamFeed((onStream) => readStreams(file, verified, onStream));
  }

  /** `read` runs the pass, calling its handler for each stream in order. */
  constructor(read: (onStream: (spec: StreamSpec, data: Readable) => Promise<void>) => Promise<unknown>) {
    this.reading = read((spec, data) =>
      // Closed before the reader offered anything (a step failed at once): stop it, or close() waits forever.
      this.closed ? Promise.reject(new ZbakError('restore stopped')) : new Promise<void>((resolve, reject) => {
        this.offered = { id: spec.id, data, consumed: resolve };
        data.once('end', () => this.settle(resolve));
        data.once('close', () => this.settle(resolve));
        data.once('error', reject);
        this.wake();
      }),
    ).then(
      () => void (this.finished = true),
      (e: unknown) => void ((this.failure = e ?? new Error('archive read failed')), this.wake()),
    );
  }

  private settle(resolve: () => void): void {
    this.offered = null;
    resolve();
  }

  private wake(): void {
    const w = this.wakeTaker;
    this.wakeTaker = null;
    w?.();
  }

  async take(streamId: string): Promise<Readable> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const o = this.offered;
      if (o !== null) {
        if (o.id !== streamId) throw new ZbakError(`the plan wants stream ${streamId} but the archive offers ${o.id} next`);
        return o.data;
      }
      if (this.finished) throw new ZbakError(`stream ${streamId}: the archive has no more streams`);
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
  }

  /** Stops reading (after a failure elsewhere) and waits for the reader. */
  async close(): Promise<void> {
    this.closed = true;
    this.offered?.data.destroy(new ZbakError('restore stopped'));
    await this.reading;
  }

  /** Waits for the reader to reach the end of the archive; throws what it found wrong. */
  async done(): Promise<void> {
    await this.reading;
    if (this.failure !== undefined) throw this.failure;
  }
}
