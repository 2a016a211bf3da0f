// Piping zfs send/receive through the archive. The exit status of every
// process is checked: a send that dies mid-stream fails the save even though
// bytes were written, and a receive that refuses is reported with its own
// stderr rather than the EPIPE its early exit causes upstream.
import type { Readable } from 'node:stream';
import { waitForDrainOrClose } from '../archive/stream-wait.js';
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

/**
 * Feeds `data` into `zfs receive ...`; fails with receive's stderr when it refuses.
 *
 * zfs receive exits as soon as it has read the stream's END record, which can be before the
 * archive reader has checked the last part's sha256 and ended `data` (on a busy machine, or
 * from a pipe where the rest of the entry arrives later). So a receiver that exits 0 is not
 * the end: the rest of `data` is still read to its end, so its checks (and a truncated
 * archive's error) are reported, and bytes zfs receive did not take are refused.
 */
export async function receiveFrom(host: Host, argv: readonly string[], attempted: string, data: Readable): Promise<void> {
  const child = host.spawn(argv, { stdin: 'pipe', stdout: 'ignore' });
  const stdin = child.stdin;
  if (!stdin) throw new Error('spawn gave no stdin');
  // EPIPE and the like only mean the receiver went away; its exit status says why.
  let gone = false;
  const markGone = (): void => void (gone = true);
  stdin.on('error', markGone);
  stdin.on('close', markGone);
  // A receiver that fails is reported at once, even while the archive's next bytes are slow
  // to come: its failure ends the data. (Not a Promise.race per chunk: every race would stay
  // attached to the pending exit, and with it every chunk.) Its one error is what every path
  // below reports once the receiver has exited.
  let receiverFailed: HostCommandError | undefined;
  const exited = child.done.then((r) => {
    if (succeeded(r)) return;
    receiverFailed = new HostCommandError(attempted, r);
    data.destroy(receiverFailed);
  });
  const throwIfFailed = async (): Promise<void> => {
    await exited;
    if (receiverFailed !== undefined) throw receiverFailed;
  };
  let leftover = 0;
  try {
    for await (const chunk of data as AsyncIterable<Buffer>) {
      if (gone) {
        await throwIfFailed();
        leftover += chunk.length;
      } else if (!stdin.write(chunk)) {
        await waitForDrainOrClose(stdin);
      }
    }
  } catch (e) {
    if (receiverFailed !== undefined) throw receiverFailed;
    // A bad archive part must stop the receive; its own failure then says nothing new.
    child.kill('SIGTERM');
    await exited;
    if (e instanceof ZbakError) throw e;
    throw new ZbakError(`cannot ${attempted}: ${(e as Error).message}`);
  }
  if (!gone) stdin.end();
  await throwIfFailed();
  if (leftover > 0)
    throw new ArchiveFormatError(`cannot ${attempted}: ${leftover} bytes follow the end of the zfs stream (zfs receive did not read them)`);
}
