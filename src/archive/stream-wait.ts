// Small waits on stream events that also give up when the stream closes or fails,
// so a writer blocked on backpressure cannot hang after the other side died.

// Node streams and streamx streams both have on/off; their typings differ, so take either.
interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}
const asEmitter = (s: object): Emitter => s as Emitter;

/** Resolve on 'drain'; reject on 'error' or on 'close' before drain. */
export function waitForDrain(s: object, what: string): Promise<void> {
  const stream = asEmitter(s);
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`${what} closed while waiting to write`));
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}

/** Resolve on 'drain' or 'close' (for feeders that stop once the consumer is gone). */
export function waitForDrainOrClose(s: object): Promise<void> {
  const stream = asEmitter(s);
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
