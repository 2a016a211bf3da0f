// `zfs send -n -P ...` (a dry run, parsable): one line per snapshot the stream
// would carry, then "size\t<bytes>" for the whole stream (recorded from real
// OpenZFS in fixtures/lab/stream-sizes.txt). The figure is an estimate: for a
// clone sent with -I from its origin, 2.1 counts the first snapshot as full.
import { z } from 'zod';

const Bytes = z.coerce.number().int().nonnegative();

/** The estimated stream size in bytes, or undefined when the output has no size line. */
export function parseSendEstimate(stdout: string): number | undefined {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('size\t'));
  if (line === undefined) return undefined;
  const r = Bytes.safeParse(line.slice('size\t'.length).trim());
  return r.success ? r.data : undefined;
}

/** The dry-run form of a `zfs send` argv: `zfs send -n -P <same options and snapshot>`. */
export function estimateArgv(sendArgv: readonly string[]): string[] {
  if (sendArgv[0] !== 'zfs' || sendArgv[1] !== 'send') throw new Error(`not a zfs send argv: ${sendArgv.join(' ')}`);
  return ['zfs', 'send', '-n', '-P', ...sendArgv.slice(2)];
}
