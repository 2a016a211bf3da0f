// Piping zfs send/receive through the archive. The exit status of every
// process is checked: a send that dies mid-stream fails the save even though
// bytes were written, and a receive that refuses is reported with its own
// stderr rather than the EPIPE its early exit causes upstream.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveFormatError, HostCommandError, ZbakError } from '../errors.js';
import type { Host } from '../host/host.js';
import { succeeded } from './commands.js';

/** Runs `zfs send ...` and hands its stdout to `consume`; both must succeed. */
export async function sendInto<T>(
  host: Host,
  argv: readonly string[],
  attempted: string,
  consume: (data: Readable) => Promise<T>,
): Promise<T> {
  const child = host.spawn(argv, { stdout: 'pipe' });
  if (!child.stdout) throw new Error('spawn gave no stdout');
  let consumed: T;
  try {
    consumed = await consume(child.stdout);
  } catch (e) {
    child.kill('SIGTERM');
    const r = await child.done;
    // Prefer the sender's own complaint when it failed first.
    if (!succeeded(r) && r.stderrTail.trim() !== '' && r.signal === null) throw new HostCommandError(attempted, r);
    throw e;
  }
  const r = await child.done;
  if (!succeeded(r)) throw new HostCommandError(attempted, r);
  return consumed;
}

/** Feeds `data` into `zfs receive ...`; fails with receive's stderr when it refuses. */
export async function receiveFrom(host: Host, argv: readonly string[], attempted: string, data: Readable): Promise<void> {
  const child = host.spawn(argv, { stdin: 'pipe', stdout: 'ignore' });
  if (!child.stdin) throw new Error('spawn gave no stdin');
  let pipeError: unknown;
  try {
    await pipeline(data, child.stdin);
  } catch (e) {
    pipeError = e;
  }
  const code = (pipeError as NodeJS.ErrnoException | undefined)?.code;
  const receiverQuit = code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE';
  // A bad archive part must stop the receive; its own failure then says nothing new.
  if (pipeError !== undefined && !receiverQuit) child.kill('SIGTERM');
  const r = await child.done;
  if (pipeError !== undefined && !receiverQuit) {
    if (pipeError instanceof ZbakError) throw pipeError;
    throw new ZbakError(`cannot ${attempted}: ${(pipeError as Error).message}`);
  }
  if (!succeeded(r)) throw new HostCommandError(attempted, r);
  // The receiver exited 0, so it did not quit: the stream itself closed before its end, i.e. the
  // archive (a cut pipe, a sender that died) ends inside this stream.
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') throw new ArchiveFormatError(`cannot ${attempted}: the archive ends inside this stream (truncated)`);
  if (pipeError !== undefined) throw new ZbakError(`cannot ${attempted}: ${(pipeError as Error).message}`);
}
