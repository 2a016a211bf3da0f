// The progress seam: run/ reports how many bytes of each stream went by;
// the CLI decides whether and how to show it (src/cli/progress-bar.ts).
import { Transform, type Readable } from 'node:stream';

export interface Progress {
  /** Whether anyone is watching: run/ skips work (e.g. size estimates) that only feeds the display. */
  readonly enabled: boolean;
  /** A new task of `total` bytes (undefined: not known). */
  start(label: string, total?: number): void;
  /** `bytes` more of the current task are done. */
  add(bytes: number): void;
  /** The current task is over: `completed` when it ended well (an estimated total then gives way to the real one). */
  stop(completed?: boolean): void;
}

export const silentProgress: Progress = {
  enabled: false,
  start: () => undefined,
  add: () => undefined,
  stop: () => undefined,
};

/**
 * Runs `task` as one progress task of `total` bytes: it ends as completed when
 * `task` resolves, and is stopped all the same when it throws.
 */
export async function tracked<T>(progress: Progress, label: string, total: number | undefined, task: () => Promise<T>): Promise<T> {
  progress.start(label, total);
  try {
    const result = await task();
    progress.stop(true);
    return result;
  } finally {
    progress.stop();
  }
}

/** `data` as it is, counting its bytes into `progress`; errors of `data` carry through. */
export function counted(data: Readable, progress: Progress): Readable {
  if (!progress.enabled) return data;
  // Chunks are handed on one by one, as they came (a byte-mode reader joins whatever is
  // buffered into a new Buffer: a copy of every byte, and garbage).
  const counter = new Transform({
    readableObjectMode: true,
    readableHighWaterMark: 4,
    transform(chunk: Buffer, _enc, done) {
      progress.add(chunk.length);
      done(null, chunk);
    },
  });
  data.on('error', (e) => counter.destroy(e));
  return data.pipe(counter);
}
